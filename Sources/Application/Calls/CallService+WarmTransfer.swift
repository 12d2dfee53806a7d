import Domain
import Logging

extension CallService {
    /// Rings the target (`voicegw-t-CALL-RANDOM`, through the tenant's dial template for a number, through
    /// the transfer context for a queue or extension), tells whoever answers what the call is about,
    /// then bridges the caller with them (`voicegw-x-CALL`) and leaves the caller's media. The caller
    /// stays with the agent until the bridge is made, hearing the hold line (`say`) while the target
    /// rings: nobody answering, the target hanging up during the summary or Asterisk refusing anything
    /// is a failed transfer.
    func warmTransfer(
        _ request: TransferRequest, call: Call, channel: ChannelID, tenant: TenantSettings, handle: CallHandle, tts: any TextToSpeech,
        settings: ConversationConfiguration, transfer: TransferSettings, say: @escaping @Sendable (String) async -> Void, logger: Logger
    ) async -> TransferOutcome {
        let deps = dependencies
        let legID = ChannelID("voicegw-t-\(call.id)-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))")
        let leg = CallHandle(callID: call.id, channelID: legID, direction: .outbound, log: handle.log)
        leg.isDialing = true
        calls.withLock { $0[legID] = leg }
        let endpoint: String
        switch request.target {
        case .external(let number): endpoint = (tenant.dialTemplate ?? configuration.outbound.dialTemplate).endpoint(for: number)
        case .queue(let name), .extension(let name): endpoint = "Local/\(name)@\(transfer.context)"
        }
        do {
            _ = try await deps.telephony.originate(OriginateRequest(
                endpoint: endpoint, callerID: call.callerNumber.isEmpty ? nil : call.callerNumber, timeout: transfer.ringTimeout,
                arguments: ["transfer", call.id.rawValue], channelID: legID))
        } catch {
            calls.withLock { _ = $0.removeValue(forKey: legID) }
            logger.error("warm transfer: the target could not be dialled", metadata: ["endpoint": "\(endpoint)", "error": "\(error)"])
            return .failed
        }
        logger.info("warm transfer: ringing the target", metadata: ["leg.id": "\(legID)"])
        await say(transfer.holdLine)  // the leg's events wait in its handle meanwhile
        switch await awaitAnswer(leg, timeout: transfer.ringTimeout, logger: logger) {
        case .ended(let reason, _, _):
            calls.withLock { _ = $0.removeValue(forKey: legID) }
            logger.info("warm transfer: the target did not answer", metadata: ["reason": "\(reason)"])
            return reason == .busy ? .busy : reason == .noAnswer ? .noAnswer : .failed
        case .answered:
            leg.isDialing = false
        }
        logger.info("warm transfer: the target answered")
        guard await brief(legID, call: call, request: request, handle: handle, tts: tts, settings: settings, logger: logger) else {
            try? await deps.telephony.hangup(legID, cause: .normal)
            calls.withLock { _ = $0.removeValue(forKey: legID) }
            return .failed
        }
        // The caller leaves the agent's media for the target.
        let resources = handle.resources
        await resources.media?.close()
        if let attachment = resources.attachment { await deps.telephony.stopMedia(attachment) }
        resources.attachment = nil
        let bridge = BridgeID("voicegw-x-\(call.id)")
        do {
            try await deps.telephony.bridge([channel, legID], as: bridge)
        } catch {
            // The caller has no media any more: the dialplan is the way to the target now.
            logger.error("warm transfer: bridging failed; continuing the caller blind", metadata: ["error": "\(error)"])
            try? await deps.telephony.hangup(legID, cause: .normal)
            calls.withLock { _ = $0.removeValue(forKey: legID) }
            resources.transferring = true
            let variables = transferVariables(request, call: call, tenant: tenant, handle: handle)
            if (try? await deps.telephony.transfer(channel, to: request.target, variables: variables)) != nil { return .completed }
            resources.transferring = false
            return .failed
        }
        // Either party's events now reach the leg's handle: the supervision after the call's end waits on it.
        calls.withLock { $0[channel] = leg }
        resources.warmLeg = WarmTransferLeg(channel: legID, bridge: bridge, handle: leg)
        logger.info("warm transfer: bridged", metadata: ["bridge.id": "\(bridge)"])
        return .completed
    }

    /// Tells the human who answered what the call is about, through a media session of their own;
    /// false when they hung up meanwhile or the media could not be set up.
    private func brief(
        _ legID: ChannelID, call: Call, request: TransferRequest, handle: CallHandle, tts: any TextToSpeech,
        settings: ConversationConfiguration, logger: Logger
    ) async -> Bool {
        let deps = dependencies
        let summary = TransferSummary.text(of: handle.log.snapshot, caller: call.callerNumber, lines: configuration.transfer.summaryLines)
        let reason = request.reason.map { " Reason: \(Redactor.redact($0))." } ?? ""
        let text = "Transferred call. \(summary)\(reason)"
        do {
            let media = try await deps.media.openSession(for: CallID("\(call.id)-t"), transport: configuration.defaultTransport)
            defer { Task { await media.close() } }
            let attachment = try await deps.telephony.startMedia(for: legID, session: media)
            let audio = tts.synthesize(SynthesisRequest(text: text, voice: settings.voice, language: settings.language))
            let outcome = try await media.play(audio) {}
            await deps.telephony.stopMedia(attachment)
            await media.close()
            handle.log.append(Turn(speaker: .system, text: "(to the transfer target) \(text)", startedAt: deps.clock.now()))
            if case .completed = outcome { return true }
            return false
        } catch {
            logger.error("warm transfer: the summary could not be played", metadata: ["error": "\(error)"])
            return false
        }
    }

    /// After a warm transfer the daemon only watches the bridge: when either party leaves, the other
    /// is hung up and the bridge deleted. A daemon shutting down leaves them talking.
    func superviseBridged(_ bridged: WarmTransferLeg, caller: ChannelID, logger: Logger) async {
        let deps = dependencies
        for await signal in bridged.handle.signals {
            switch signal {
            case .channelLeft, .destroyed, .hangupRequested(_, soft: false):
                logger.info("transferred call over: one party hung up")
                try? await deps.telephony.hangup(caller, cause: .normal)
                try? await deps.telephony.hangup(bridged.channel, cause: .normal)
                try? await deps.telephony.deleteBridge(bridged.bridge)
                calls.withLock { _ = $0.removeValue(forKey: bridged.channel) }
                return
            case .shutdown, .closing:
                logger.info("shutting down: the transferred call's parties stay bridged")
                calls.withLock { _ = $0.removeValue(forKey: bridged.channel) }
                return
            case .hangupRequested, .digit, .command, .answered:
                continue
            }
        }
    }
}
