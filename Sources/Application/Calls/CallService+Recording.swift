import Domain
import Logging

extension CallService {
    /// Whether `tenant`'s calls are recorded.
    func records(_ tenant: TenantSettings) -> Bool { tenant.recording ?? configuration.recording.enabled }

    /// Announces the recording (so the caller can opt out), then records the call's media bridge as
    /// `voicegw-CALL_ID`. A recording Asterisk refuses is logged; the call goes on unrecorded.
    func startRecording(
        _ call: Call, handle: CallHandle, media: any MediaSession, tts: any TextToSpeech, settings: ConversationConfiguration, logger: Logger,
        recorder: CallEventRecorder
    ) async {
        let recording = configuration.recording
        guard let bridge = handle.resources.attachment?.bridge else { return }
        if !recording.announcement.isEmpty {
            let started = dependencies.clock.now()
            _ = try? await media.play(tts.synthesize(SynthesisRequest(text: recording.announcement, voice: settings.voice, language: settings.language))) {}
            handle.log.append(Turn(speaker: .system, text: recording.announcement, startedAt: started, endedAt: dependencies.clock.now()))
        }
        let name = "voicegw-\(call.id)"
        // Known before Asterisk is asked, so an opt-out while it starts is not refused.
        handle.resources.recording = CallRecording(name: name, format: recording.format)
        do {
            try await dependencies.telephony.startRecording(bridge, name: name, format: recording.format)
        } catch {
            logger.error("recording not started", metadata: ["error": "\(error)"])
            if handle.resources.optOutOfRecording() != nil { handle.resources.recording = nil }
            return
        }
        if handle.resources.recordingStarted() {
            await discard(name, logger: logger)
            return
        }
        logger.info("recording", metadata: ["recording.name": "\(name)"])
        await transition(call.id, nil, logger: logger, recorder: recorder) { call in
            // An opt-out that came meanwhile has cleared it already.
            if handle.resources.recording?.optedOut == false { call.metadata["recording"] = "\(name).\(recording.format)" }
            return []
        }
    }

    /// Whether `digit` is the opt-out key of a call being recorded (then it is not the agent's).
    func isOptOut(_ digit: String, of handle: CallHandle) -> Bool {
        let key = configuration.recording.optOutKey
        guard !key.isEmpty, digit == key, let recording = handle.resources.recording else { return false }
        return !recording.optedOut
    }

    /// Stops the call's recording and deletes what was recorded (the caller pressed the opt-out key, or an
    /// operator asked). Recorded in the call state (`recording_opted_out`) and in `call.ended`.
    func optOutOfRecording(_ call: Call, handle: CallHandle, by who: String, logger: Logger, recorder: CallEventRecorder) async {
        guard let recording = handle.resources.optOutOfRecording() else { return }
        logger.info("recording opt-out", metadata: ["by": "\(who)"])
        // A recording Asterisk is still starting is deleted by its starter once it runs.
        if recording.started { await discard(recording.name, logger: logger) }
        await transition(call.id, nil, logger: logger, recorder: recorder) { call in
            call.metadata["recording"] = nil
            call.metadata["recording_opted_out"] = who
            return []
        }
    }

    /// Stops the recording `name` and deletes what was recorded.
    private func discard(_ name: String, logger: Logger) async {
        do { try await dependencies.telephony.stopRecording(name, discard: true) } catch {
            logger.error("the opted-out recording could not be deleted", metadata: ["error": "\(error)"])
        }
    }

    /// Ends a recording still running before the media goes, and says in `data` what became of it.
    func finishRecording(_ resources: CallResources, into data: inout [String: JSONValue], logger: Logger) async {
        guard let recording = resources.recording else { return }
        if recording.optedOut {
            data["recording_opted_out"] = true
            return
        }
        guard recording.started else { return }
        do { try await dependencies.telephony.stopRecording(recording.name, discard: false) } catch {
            logger.warning("recording not stopped cleanly", metadata: ["error": "\(error)"])
        }
        data["recording"] = .string(recording.fileName)
    }
}
