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
    /// Where what is played is recorded for the echo guard (nil: nowhere).
    var reference: EchoReference?

    /// Runs `response`; `speechEndedAt` (monotonic) is when the caller stopped talking, for the
    /// response-latency metric. `onSpeaking` runs when the first audio frame leaves. With a `gate`, the
    /// agent is asked and its sentences synthesised at once, but nothing is played (or logged) until the
    /// gate opens; a discarded gate makes the agent forget the turn. `onDigitsRequested` runs as soon as
    /// the agent asks for digits (while its prompt may still play, so the first key can cut it).
    /// `control` holds playback while the caller may be talking over it, and lets it go on or stops it.
    func run(
        _ response: TurnTakingMachine.Response, speechEndedAt: Duration?, gate: ProvisionalGate? = nil, control: PromptControl? = nil,
        onDigitsRequested: @escaping @Sendable (DigitRequest) -> Void = { _ in }, onSpeaking: @escaping @Sendable () -> Void
    ) async -> TurnTakingMachine.ResponseEnding {
        switch response {
        case .line(let text, let thenHangUp):
            transcript.append(Turn(speaker: .system, text: text, startedAt: clock.now()))
            // A goodbye is not cut: the call ends after it whatever the caller says.
            _ = await say(text, speechEndedAt: nil, control: control, interruptible: !thenHangUp, onSpeaking: onSpeaking)
            return thenHangUp ? .hangUp : .finished
        case .opening:
            return await runAgent(speechEndedAt: nil, control: control, onDigitsRequested: onDigitsRequested, onSpeaking: onSpeaking) { agent in
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
            if gate == nil, case .utterance(let text, _) = input {
                transcript.append(Turn(speaker: .caller, text: text, startedAt: clock.now()))
            } else if case .digits(let digits) = input {
                transcript.append(Turn(speaker: .caller, text: "", startedAt: clock.now(), dtmf: digits))
            }
            return await runAgent(
                speechEndedAt: speechEndedAt, gate: gate, control: control, onDigitsRequested: onDigitsRequested, onSpeaking: onSpeaking
            ) {
                $0.respond(to: input)
            }
        case .entry(let digits):
            // An entry the agent asked for (a PIN, a card number): the agent gets the digits, the
            // transcript only how many.
            transcript.append(Turn(speaker: .caller, text: "", startedAt: clock.now(), dtmf: Self.masked(digits)))
            return await runAgent(speechEndedAt: nil, control: control, onDigitsRequested: onDigitsRequested, onSpeaking: onSpeaking) {
                $0.respond(to: .digits(digits))
            }
        }
    }

    /// How keyed digits that may be secret are shown: one bullet per digit.
    static func masked(_ digits: String) -> String { String(repeating: "\u{2022}", count: digits.count) }

    /// Plays the agent's answer. Each sentence's synthesis starts as soon as the agent has it, so sentence
    /// n+1 is being synthesized while sentence n plays (no text-to-speech start-up at sentence boundaries);
    /// playback keeps their order. A barge-in cancels the agent's stream and every synthesis not yet heard.
    private func runAgent(
        speechEndedAt: Duration?, gate: ProvisionalGate? = nil, control: PromptControl?,
        onDigitsRequested: @escaping @Sendable (DigitRequest) -> Void,
        onSpeaking: @escaping @Sendable () -> Void,
        _ makeStream: @Sendable (any AgentConversation) -> AsyncThrowingStream<AgentAction, any Error>
    ) async -> TurnTakingMachine.ResponseEnding {
        let requested = clock.monotonic()
        let actions = AgentActionStream(makeStream(agent), timeout: configuration.agentTimeout, clock: clock, provider: "agent")
        let (steps, feed) = AsyncStream.makeStream(of: AgentStep.self)
        let prepared = PreparedSpeeches()
        let (metrics, recorder, clock) = (metrics, recorder, clock)
        let producer = Task {
            var first = true
            do {
                for try await action in actions.stream {
                    guard case .say(let text, let interruptible) = action else {
                        if case .collectDigits(let request) = action, gate == nil { onDigitsRequested(request) }
                        feed.yield(.act(action))
                        continue
                    }
                    let latency = clock.monotonic() - requested
                    // The answer's first sentence after the caller spoke: the agent's share of the response
                    // time (an early answer's is recorded when the final text releases it).
                    if first && speechEndedAt != nil && gate == nil { Self.recordAnswer(text, latency: latency, early: false, metrics, recorder) }
                    let speech = prepare(text)
                    prepared.add(speech)
                    feed.yield(.say(text, latency: latency, first: first, interruptible: interruptible, speech))
                    first = false
                }
            } catch {
                feed.yield(.failed(error))
            }
            feed.finish()
        }
        defer {
            producer.cancel()
            prepared.cancelAll()
        }
        var ending = TurnTakingMachine.ResponseEnding.finished
        var speechEndedAt = speechEndedAt
        var early = false
        if let gate {
            // Asked on a provisional text: nothing is heard or logged until the final text agrees.
            guard let release = await gate.wait() else {
                agent.withdrawLastTurn()
                return .finished
            }
            transcript.append(Turn(speaker: .caller, text: release.text, startedAt: clock.now()))
            speechEndedAt = release.speechEndedAt
            early = true
        }
        for await step in steps {
            if Task.isCancelled { break }
            switch step {
            case .say(let text, let latency, let first, let interruptible, let speech):
                if first && early { Self.recordAnswer(text, latency: latency, early: true, metrics, recorder) }
                transcript.append(Turn(speaker: .agent, text: text, startedAt: clock.now(), latencies: [.agent: latency]))
                let played = await play(speech, speechEndedAt: speechEndedAt, control: control, interruptible: interruptible, onSpeaking: onSpeaking)
                speechEndedAt = nil  // only the first sentence measures the caller-felt latency
                agent.heard(HeardText.prefix(of: text, played: played, audio: speech.synthesized.duration))
                if case .interrupted = played { return .finished }
            case .act(.hangup):
                ending = .hangUp
            case .act(.transfer(let target)):
                ending = .transfer(target)
            case .act(.collectDigits(let request)):
                onDigitsRequested(request)  // again for an answer held for a provisional text
            case .act(.say):
                break  // sent as .say steps
            case .failed(let error):
                let failure = (error as? ProviderError) ?? ProviderError(.badResponse, provider: "agent", "\(error)")
                logger.warning("agent failed", metadata: ["error": "\(failure)"])
                if failure.kind == .timeout {
                    recorder.record(.llmTimeout, ["provider": .string(failure.provider), "timeout_ms": .int(configuration.agentTimeout.milliseconds)])
                }
                metrics.providerFailure(kind: "agent", error: failure)
                _ = await say(configuration.agentFallbackLine, speechEndedAt: nil, control: control, onSpeaking: onSpeaking)
                return .agentFailed
            }
        }
        return ending
    }

    /// Records the first sentence of an answer to the caller (`llm.responded`, the agent stage latency).
    private static func recordAnswer(_ text: String, latency: Duration, early: Bool, _ metrics: VoiceMetrics, _ recorder: CallEventRecorder) {
        metrics.stageLatency(.agent, latency)
        var data: [String: JSONValue] = ["text": .string(Redactor.redact(text)), "latency_ms": .int(latency.milliseconds)]
        if early { data["early_start"] = true }
        recorder.record(.llmResponded, data)
    }

    /// Synthesizes `text` and plays it while it is being synthesized.
    func say(
        _ text: String, speechEndedAt: Duration?, control: PromptControl? = nil, interruptible: Bool = true,
        onSpeaking: @escaping @Sendable () -> Void
    ) async -> PlaybackOutcome? {
        let speech = prepare(text)
        defer { speech.cancel() }
        return await play(speech, speechEndedAt: speechEndedAt, control: control, interruptible: interruptible, onSpeaking: onSpeaking)
    }

    /// Starts synthesizing `text` now; the audio waits in the returned speech until it is played.
    /// Records `tts.generated` when the synthesis ends, or `error.tts_failed`.
    func prepare(_ text: String) -> PreparedSpeech {
        let synthesized = SynthesizedAudio()
        let started = clock.monotonic()
        let (audio, feed) = AsyncThrowingStream.makeStream(of: AudioFrame.self)
        let source = tts.synthesize(SynthesisRequest(text: text, voice: configuration.voice, language: configuration.language))
        let (tts, recorder, metrics, clock, logger) = (tts, recorder, metrics, clock, logger)
        let task = Task {
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
                try Task.checkCancellation()
                let latency = firstChunk ?? (clock.monotonic() - started)
                metrics.stageLatency(.synthesis, latency)
                recorder.record(.ttsGenerated, [
                    "provider": .string(tts.name), "characters": .int(Int64(text.count)),
                    "audio_ms": .int(Int64(samples) * 1000 / Int64(max(rate, 1))), "latency_ms": .int(latency.milliseconds),
                ])
                feed.finish()  // after the event: the player returns at the end of the audio, and may cancel us then
            } catch {
                feed.finish(throwing: error)
                let failure = (error as? ProviderError) ?? ProviderError(.badResponse, provider: tts.name, "\(error)")
                if failure.kind != .cancelled && !(error is CancellationError) && !Task.isCancelled {
                    logger.warning("text-to-speech failed", metadata: ["error": "\(failure)"])
                    recorder.record(.ttsFailed, ["provider": .string(failure.provider), "kind": .string(failure.kind.description), "message": .string(failure.message)])
                    metrics.providerFailure(kind: "tts", error: failure)
                }
            }
        }
        return PreparedSpeech(audio: audio, synthesized: synthesized, task: task)
    }

    /// Plays `speech` (waiting for its synthesis where playback catches up with it). Held by `control`
    /// (the caller may be talking), it waits, then goes on a little before where it was held, or stops.
    func play(
        _ speech: PreparedSpeech, speechEndedAt: Duration?, control: PromptControl? = nil, interruptible: Bool = true,
        onSpeaking: @escaping @Sendable () -> Void
    ) async -> PlaybackOutcome? {
        let (metrics, clock, reference) = (metrics, clock, reference)
        control?.interruptible = interruptible
        let tape = PromptTape(speech.audio)
        let tap: @Sendable (AudioFrame) -> Void = { frame in reference?.record(frame, now: clock.monotonic()) }
        var position = Duration.zero
        let firstFrame = OnceFlag()
        do {
            while true {
                if let control, !(await control.mayPlay()) {
                    speech.cancel()
                    return .interrupted(sent: position)
                }
                let outcome = try await media.play(tape.play(from: position, tap: tap)) {
                    guard firstFrame.take() else { return }
                    if let speechEndedAt { metrics.stageLatency(.response, clock.monotonic() - speechEndedAt) }
                    onSpeaking()
                }
                switch outcome {
                case .completed(let sent):
                    return .completed(sent: position + sent)
                case .interrupted(let sent):
                    guard let control, control.mode == .paused else {
                        speech.cancel()
                        return .interrupted(sent: position + sent)
                    }
                    position = max(.zero, position + sent - PromptTape.rewind)
                }
            }
        } catch {
            speech.cancel()
            logger.warning("playback failed", metadata: ["error": "\(error)"])
            return nil
        }
    }
}

/// What the agent's stream brought, in order: a sentence already being synthesized, another action, or
/// the failure that ended it.
enum AgentStep: Sendable {
    case say(String, latency: Duration, first: Bool, interruptible: Bool, PreparedSpeech)
    case act(AgentAction)
    case failed(any Error)
}

/// A sentence whose synthesis has started: its audio (buffered until played) and how much there is so far.
struct PreparedSpeech: Sendable {
    let audio: AsyncThrowingStream<AudioFrame, any Error>
    let synthesized: SynthesizedAudio
    let task: Task<Void, Never>

    /// Stops the synthesis (no-op once it has ended).
    func cancel() { task.cancel() }
}

/// The syntheses one answer started, cancelled together when the answer ends or is interrupted.
final class PreparedSpeeches: Sendable {
    private let all = Mutex<[PreparedSpeech]>([])
    func add(_ speech: PreparedSpeech) { all.withLock { $0.append(speech) } }
    func cancelAll() {
        for speech in all.withLock({ $0 }) { speech.cancel() }
    }
}

/// An agent's action stream with a deadline for the first action.
struct AgentActionStream: Sendable {
    let stream: AsyncThrowingStream<AgentAction, any Error>

    /// `source` must bring its first action within `timeout`, and each later one within `timeout` of the
    /// one before (a stream that stalls midway fails like one that never starts, on the injected clock).
    init(_ source: AsyncThrowingStream<AgentAction, any Error>, timeout: Duration, clock: any Domain.Clock, provider: String) {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: AgentAction.self)
        let progress = ProgressCounter()
        let forward = Task {
            do {
                for try await action in source {
                    progress.advance()
                    continuation.yield(action)
                }
                progress.finish()
                continuation.finish()
            } catch {
                progress.finish()
                continuation.finish(throwing: error)
            }
        }
        let watchdog = Task {
            while !Task.isCancelled {
                let seen = progress.count
                do { try await clock.sleep(for: timeout) } catch { return }
                if progress.isFinished { return }
                if progress.count == seen {
                    forward.cancel()
                    let what = seen == 0 ? "no answer" : "the answer stalled"
                    continuation.finish(throwing: ProviderError(.timeout, provider: provider, "\(what) within \(timeout.milliseconds) ms"))
                    return
                }
            }
        }
        continuation.onTermination = { _ in
            forward.cancel()
            watchdog.cancel()
        }
        self.stream = stream
    }
}

/// How many actions a stream has brought, and whether it ended.
final class ProgressCounter: Sendable {
    private let state = Mutex((count: 0, finished: false))
    func advance() { state.withLock { $0.count += 1 } }
    func finish() { state.withLock { $0.finished = true } }
    var count: Int { state.withLock { $0.count } }
    var isFinished: Bool { state.withLock { $0.finished } }
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
