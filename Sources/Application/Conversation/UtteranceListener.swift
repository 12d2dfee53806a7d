import Domain
import Logging

/// Listens to the caller: runs the VAD and endpointer over inbound frames, streams each utterance to
/// the speech-to-text provider (with a little audio from before the detected start), and reports
/// speech starts and final transcripts.
struct UtteranceListener: Sendable {
    let stt: any SpeechToText
    let options: TranscriptionOptions
    let configuration: ConversationConfiguration
    let recorder: CallEventRecorder
    let metrics: VoiceMetrics
    let clock: any Domain.Clock
    let logger: Logger

    private enum Input: Sendable {
        case frame(AudioFrame)
        case tick
    }

    /// Runs until the inbound audio ends or the task is cancelled, then yields `.mediaEnded`.
    func run(inbound: AsyncStream<AudioFrame>, signals: AsyncStream<ConversationSignal>.Continuation) async {
        let (inputs, feed) = AsyncStream.makeStream(of: Input.self, bufferingPolicy: .bufferingNewest(2000))
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await frame in inbound { feed.yield(.frame(frame)) }
                feed.finish()
            }
            group.addTask {
                while !Task.isCancelled {
                    do { try await clock.sleep(for: .milliseconds(100)) } catch { break }
                    feed.yield(.tick)
                }
            }
            await listen(inputs, signals: signals)
            group.cancelAll()
        }
        signals.yield(.mediaEnded)
    }

    private func listen(_ inputs: AsyncStream<Input>, signals: AsyncStream<ConversationSignal>.Continuation) async {
        var vad = VoiceActivityDetector()
        var endpointer = Endpointer(configuration: configuration.endpointer)
        let prerollFrames = max(1, Int(configuration.preroll.milliseconds / 20))
        var preroll: [AudioFrame] = []
        var session: (any TranscriptionSession)?
        var lastArrival = clock.monotonic()
        var accountedGap = Duration.zero

        for await input in inputs {
            if Task.isCancelled { break }
            var event: Endpointer.Event?
            switch input {
            case .frame(let frame):
                lastArrival = clock.monotonic()
                accountedGap = .zero
                let voiced = vad.isSpeech(frame)
                event = endpointer.frame(voiced: voiced)
                if event == .speechStarted {
                    session = await startSession(preroll: preroll + [frame])
                    signals.yield(.speechStarted)
                } else if let active = session {
                    do { try await active.send(frame) } catch {
                        session = nil
                        await active.cancel()
                        fail(error, signals: signals)
                    }
                } else {
                    preroll.append(frame)
                    if preroll.count > prerollFrames { preroll.removeFirst(preroll.count - prerollFrames) }
                }
            case .tick:
                // No packets is silence: count the time since the last frame that was not yet counted.
                let silent = clock.monotonic() - lastArrival
                if silent > .milliseconds(60) {
                    event = endpointer.gap(silent - accountedGap)
                    accountedGap = silent
                }
            }
            if case .speechEnded(let trailing, _) = event {
                preroll.removeAll()
                let endedAt = clock.monotonic() - trailing
                if let active = session {
                    session = nil
                    await finish(active, speechEndedAt: endedAt, signals: signals)
                } else {
                    signals.yield(.transcriptionFailed(ProviderError(.unavailable, provider: stt.name, "no session")))
                }
            }
        }
        if let session { await session.cancel() }
    }

    private func startSession(preroll: [AudioFrame]) async -> (any TranscriptionSession)? {
        do {
            let session = try await stt.startSession(options)
            for frame in preroll { try await session.send(frame) }
            return session
        } catch {
            logger.warning("speech-to-text session failed to start", metadata: ["error": "\(error)", "stt.provider": "\(stt.name)"])
            recorder.record(.sttFailed, ["provider": .string(error.provider), "kind": .string(error.kind.description), "message": .string(error.message)])
            metrics.providerFailure(kind: "stt", error: error)
            return nil
        }
    }

    private func finish(_ session: any TranscriptionSession, speechEndedAt: Duration, signals: AsyncStream<ConversationSignal>.Continuation) async {
        let started = clock.monotonic()
        do {
            let transcript = try await withTimeout(configuration.sttTimeout, clock: clock, provider: stt.name) {
                try await session.finish()
            }
            let latency = clock.monotonic() - started
            let text = Redactor.redact(transcript.text)
            metrics.stageLatency(.transcription, latency)
            var data: [String: JSONValue] = [
                "text": .string(text), "final": true, "latency_ms": .int(latency.milliseconds),
                "provider": .string(stt.name),
            ]
            if let confidence = transcript.confidence { data["confidence"] = .double(confidence) }
            recorder.record(.sttTranscribed, data)
            logger.info("caller said", metadata: ["transcript": "\(text)", "stt.latency_ms": "\(latency.milliseconds)"])
            signals.yield(.utterance(Transcript(text: text, isFinal: true, confidence: transcript.confidence), speechEndedAt: speechEndedAt))
        } catch {
            await session.cancel()
            fail(error, signals: signals)
        }
    }

    private func fail(_ error: any Error, signals: AsyncStream<ConversationSignal>.Continuation) {
        let failure = (error as? ProviderError) ?? ProviderError(.badResponse, provider: stt.name, "\(error)")
        logger.warning("speech-to-text failed", metadata: ["error": "\(failure)"])
        recorder.record(.sttFailed, ["provider": .string(failure.provider), "kind": .string(failure.kind.description), "message": .string(failure.message)])
        metrics.providerFailure(kind: "stt", error: failure)
        signals.yield(.transcriptionFailed(failure))
    }
}
