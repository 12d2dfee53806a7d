import Domain
import Logging
import Synchronization

/// Produces one response of the daemon: asks the agent (or takes a fixed line), synthesizes each
/// sentence and plays it, recording `llm.responded`, `tts.generated` and failures as events.
struct Responder: Sendable {
    let media: any MediaSession
    let tts: any TextToSpeech
    let agent: any AgentConversation
    let recorder: CallEventRecorder
    let transcript: ConversationLog
    let metrics: VoiceMetrics
    let configuration: ConversationConfiguration
    let clock: any Domain.Clock
    let logger: Logger

    /// Runs `response`; `speechEndedAt` (monotonic) is when the caller stopped talking, for the
    /// response-latency metric. `onSpeaking` runs when the first audio frame leaves.
    func run(
        _ response: TurnTakingMachine.Response, speechEndedAt: Duration?, onSpeaking: @escaping @Sendable () -> Void
    ) async -> TurnTakingMachine.ResponseEnding {
        switch response {
        case .line(let text, let thenHangUp):
            transcript.append(Turn(speaker: .system, text: text, startedAt: clock.now()))
            _ = await say(text, speechEndedAt: nil, onSpeaking: onSpeaking)
            return thenHangUp ? .hangUp : .finished
        case .opening:
            return await runAgent(speechEndedAt: nil, onSpeaking: onSpeaking) { agent in
                AsyncThrowingStream { continuation in
                    let task = Task {
                        do {
                            for action in try await agent.opening() { continuation.yield(action) }
                            continuation.finish()
                        } catch { continuation.finish(throwing: error) }
                    }
                    continuation.onTermination = { _ in task.cancel() }
                }
            }
        case .agent(let input):
            if case .utterance(let text, _) = input {
                transcript.append(Turn(speaker: .caller, text: text, startedAt: clock.now()))
            } else if case .digits(let digits) = input {
                transcript.append(Turn(speaker: .caller, text: "", startedAt: clock.now(), dtmf: digits))
            }
            return await runAgent(speechEndedAt: speechEndedAt, onSpeaking: onSpeaking) { $0.respond(to: input) }
        }
    }

    private func runAgent(
        speechEndedAt: Duration?, onSpeaking: @escaping @Sendable () -> Void,
        _ makeStream: @Sendable (any AgentConversation) -> AsyncThrowingStream<AgentAction, any Error>
    ) async -> TurnTakingMachine.ResponseEnding {
        let requested = clock.monotonic()
        let actions = AgentActionStream(makeStream(agent), timeout: configuration.agentTimeout, clock: clock, provider: "agent")
        var ending = TurnTakingMachine.ResponseEnding.finished
        var speechEndedAt = speechEndedAt
        do {
            for try await action in actions.stream {
                if Task.isCancelled { break }
                switch action {
                case .say(let text):
                    let latency = clock.monotonic() - requested
                    if speechEndedAt != nil {
                        metrics.stageLatency(.agent, latency)
                        recorder.record(.llmResponded, ["text": .string(text), "latency_ms": .int(latency.milliseconds)])
                    }
                    transcript.append(Turn(speaker: .agent, text: text, startedAt: clock.now(), latencies: [.agent: latency]))
                    let (played, audio) = await speak(text, speechEndedAt: speechEndedAt, onSpeaking: onSpeaking)
                    speechEndedAt = nil  // only the first sentence measures the caller-felt latency
                    agent.heard(HeardText.prefix(of: text, played: played, audio: audio))
                    if case .interrupted = played { return .finished }
                case .hangup:
                    ending = .hangUp
                case .transfer(let target):
                    ending = .transfer(target)
                case .collectDigits:
                    logger.debug("agent asked for digits; DTMF is delivered as it arrives")
                }
            }
        } catch {
            let failure = (error as? ProviderError) ?? ProviderError(.badResponse, provider: "agent", "\(error)")
            logger.warning("agent failed", metadata: ["error": "\(failure)"])
            if failure.kind == .timeout {
                recorder.record(.llmTimeout, ["provider": .string(failure.provider), "timeout_ms": .int(configuration.agentTimeout.milliseconds)])
            }
            metrics.providerFailure(kind: "agent", error: failure)
            _ = await say(configuration.agentFallbackLine, speechEndedAt: nil, onSpeaking: onSpeaking)
            return .agentFailed
        }
        return ending
    }

    /// Synthesizes `text` and plays it while it is being synthesized.
    func say(_ text: String, speechEndedAt: Duration?, onSpeaking: @escaping @Sendable () -> Void) async -> PlaybackOutcome? {
        await speak(text, speechEndedAt: speechEndedAt, onSpeaking: onSpeaking).outcome
    }

    /// `say`, also returning how much audio was synthesized.
    func speak(
        _ text: String, speechEndedAt: Duration?, onSpeaking: @escaping @Sendable () -> Void
    ) async -> (outcome: PlaybackOutcome?, audio: Duration) {
        let synthesized = SynthesizedAudio()
        let started = clock.monotonic()
        let (audio, feed) = AsyncThrowingStream.makeStream(of: AudioFrame.self)
        let source = tts.synthesize(SynthesisRequest(text: text, voice: configuration.voice, language: configuration.language))
        return await withTaskGroup(of: PlaybackOutcome?.self) { group in
            group.addTask {
                var firstChunk: Duration?
                var samples = 0
                var rate = 16_000
                do {
                    for try await chunk in source {
                        if firstChunk == nil { firstChunk = clock.monotonic() - started }
                        samples += chunk.samples.count
                        rate = chunk.sampleRate
                        synthesized.add(chunk)
                        feed.yield(chunk)
                    }
                    feed.finish()
                    let latency = firstChunk ?? (clock.monotonic() - started)
                    metrics.stageLatency(.synthesis, latency)
                    recorder.record(.ttsGenerated, [
                        "provider": .string(tts.name), "characters": .int(Int64(text.count)),
                        "audio_ms": .int(Int64(samples) * 1000 / Int64(max(rate, 1))), "latency_ms": .int(latency.milliseconds),
                    ])
                } catch {
                    feed.finish(throwing: error)
                    let failure = (error as? ProviderError) ?? ProviderError(.badResponse, provider: tts.name, "\(error)")
                    if failure.kind != .cancelled && !Task.isCancelled {
                        logger.warning("text-to-speech failed", metadata: ["error": "\(failure)"])
                        recorder.record(.ttsFailed, ["provider": .string(failure.provider), "kind": .string(failure.kind.description), "message": .string(failure.message)])
                        metrics.providerFailure(kind: "tts", error: failure)
                    }
                }
                return nil
            }
            group.addTask {
                do {
                    return try await media.play(audio) {
                        if let speechEndedAt { metrics.stageLatency(.response, clock.monotonic() - speechEndedAt) }
                        onSpeaking()
                    }
                } catch {
                    logger.warning("playback failed", metadata: ["error": "\(error)"])
                    return nil
                }
            }
            var outcome: PlaybackOutcome?
            for await result in group {
                if let result {
                    outcome = result
                    group.cancelAll()
                }
            }
            return (outcome, synthesized.duration)
        }
    }
}

/// An agent's action stream with a deadline for the first action.
struct AgentActionStream: Sendable {
    let stream: AsyncThrowingStream<AgentAction, any Error>

    init(_ source: AsyncThrowingStream<AgentAction, any Error>, timeout: Duration, clock: any Domain.Clock, provider: String) {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: AgentAction.self)
        let answered = AtomicFlag()
        let forward = Task {
            do {
                for try await action in source {
                    answered.set()
                    continuation.yield(action)
                }
                continuation.finish()
            } catch { continuation.finish(throwing: error) }
        }
        let watchdog = Task {
            try? await clock.sleep(for: timeout)
            if !Task.isCancelled && !answered.isSet {
                forward.cancel()
                continuation.finish(throwing: ProviderError(.timeout, provider: provider, "no answer within \(timeout.milliseconds) ms"))
            }
        }
        continuation.onTermination = { _ in
            forward.cancel()
            watchdog.cancel()
        }
        self.stream = stream
    }
}

/// How much audio a synthesis produced so far.
final class SynthesizedAudio: Sendable {
    private let total = Mutex(Duration.zero)
    func add(_ frame: AudioFrame) {
        let length = Duration.nanoseconds(Int64(frame.samples.count) * 1_000_000_000 / Int64(max(frame.sampleRate, 1)))
        total.withLock { $0 += length }
    }
    var duration: Duration { total.withLock { $0 } }
}

/// A flag set once, read from any task.
final class AtomicFlag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
