import Domain
import Logging
import Synchronization

/// Runs the conversation of one call with a speech-to-speech agent: the caller's audio streams to the
/// model, the model's audio plays as it arrives, and the model's own voice activity detection takes the
/// turns. The daemon keeps what it owns elsewhere: barge-in (the playback is flushed and the model told
/// how much of its answer was heard), DTMF, the events and the transcript, and the lines it says itself
/// (the fallback when the model fails, the goodbye of a drain) through its text-to-speech.
public struct SpeechToSpeechConversation: Sendable {
    let media: any MediaSession
    let session: any SpeechToSpeechSession
    let tts: any TextToSpeech
    let provider: String
    let recorder: CallEventRecorder
    public let log: ConversationLog
    let metrics: VoiceMetrics
    let configuration: ConversationConfiguration
    let clock: any Domain.Clock
    let logger: Logger

    public init(
        media: any MediaSession, session: any SpeechToSpeechSession, tts: any TextToSpeech, provider: String,
        recorder: CallEventRecorder, log: ConversationLog, metrics: VoiceMetrics, configuration: ConversationConfiguration,
        clock: any Domain.Clock, logger: Logger
    ) {
        self.media = media
        self.session = session
        self.tts = tts
        self.provider = provider
        self.recorder = recorder
        self.log = log
        self.metrics = metrics
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
    }

    /// Everything the conversation reacts to, in one stream.
    enum Signal: Sendable {
        case event(SpeechToSpeechEvent)
        case failed(any Error)
        case digit(String)
        case closing(String)
        /// An operator's line or transfer.
        case command(CallCommand)
        case mediaEnded
        /// The daemon's endpointing (models that leave the turns to the client): the caller started, stopped.
        case callerStarted
        case callerStopped
        /// A tenth of a second passed (digit entry timeouts).
        case tick
    }

    /// Runs until the model hangs up or transfers (after its last words have played), the media ends, the
    /// model fails (the fallback line is said, then the call ends), a closing line arrives, or the task is
    /// cancelled. Closes the session. An operator's line (`commands`) is said in the daemon's voice, after
    /// the answer playing or cutting it. A transfer is carried out by `transfers` as in
    /// `ConversationManager.run`; a failed one is said to the caller and told to the model.
    public func run(
        digits: AsyncStream<String>, closing: AsyncStream<String> = AsyncStream { $0.finish() },
        commands: AsyncStream<CallCommand> = AsyncStream { $0.finish() }, transfers: TransferHandler? = nil
    ) async -> ConversationManager.Ending {
        let (signals, signal) = AsyncStream.makeStream(of: Signal.self, bufferingPolicy: .unbounded)
        let ending = await withTaskExecutorPreference(media.preferredExecutor) {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    // The daemon's own endpointing, for a model that leaves the turns to the client.
                    var vad = VoiceActivityDetector()
                    var endpointer = session.detectsTurns ? nil : Endpointer(configuration: configuration.endpointer)
                    for await frame in media.inbound {
                        await session.send(frame)
                        switch endpointer?.frame(voiced: vad.isSpeech(frame)) {
                        case .speechStarted?: signal.yield(.callerStarted)
                        case .speechEnded?: signal.yield(.callerStopped)
                        default: break
                        }
                    }
                    signal.yield(.mediaEnded)
                }
                group.addTask {
                    do {
                        for try await event in session.events { signal.yield(.event(event)) }
                        signal.yield(.failed(ProviderError(.network, provider: provider, "the session closed")))
                    } catch {
                        signal.yield(.failed(error))
                    }
                }
                group.addTask { for await d in digits { signal.yield(.digit(d)) } }
                group.addTask { for await line in closing { signal.yield(.closing(line)) } }
                group.addTask { for await command in commands { signal.yield(.command(command)) } }
                group.addTask {
                    while !Task.isCancelled {
                        do { try await clock.sleep(for: .milliseconds(100)) } catch { break }
                        signal.yield(.tick)
                    }
                }
                var turn = SpeechToSpeechTurn(conversation: self, transfers: transfers)
                let ending = await turn.drive(signals)
                await turn.stopPlayback()
                group.cancelAll()
                signal.finish()
                return ending
            }
        }
        await session.close()
        return ending
    }
}

/// The state of a speech-to-speech conversation between signals: the answer playing, the action waiting
/// for it to end, digits being collected.
struct SpeechToSpeechTurn {
    let conversation: SpeechToSpeechConversation
    /// The answer playing (or still queued to play): a model may send all its audio, and end its
    /// response, long before the caller has heard it.
    var playing: SpeechToSpeechPlayback?
    /// Whether `playing` still takes audio (its response has not ended).
    var feeding = false
    /// The model ended its answer with this: the call ends once the answer has played.
    var pendingEnding: ConversationManager.Ending?
    /// When the caller last stopped speaking (monotonic), until the answer's first audio.
    var callerStopped: Duration?
    /// The answer's first audio has been measured.
    var measured = false
    /// Digits the model asked for: its call id, how many, the terminator, what has come.
    var collecting: (callID: String, entry: DigitCollector)?

    let transfers: TransferHandler?

    init(conversation: SpeechToSpeechConversation, transfers: TransferHandler?) {
        self.conversation = conversation
        self.transfers = transfers
    }

    mutating func drive(_ signals: AsyncStream<SpeechToSpeechConversation.Signal>) async -> ConversationManager.Ending {
        for await signal in signals {
            if Task.isCancelled { return .cancelled }
            switch signal {
            case .event(let event):
                if let ending = await handle(event) { return ending }
            case .digit(let digit):
                await keyed(digit)
            case .tick:
                await tick()
            case .closing(let line):
                await stopPlayback()
                if !line.isEmpty { await sayOwnLine(line) }
                return .closed
            case .command(.transfer(let request)):
                await stopPlayback()
                if let ending = await settle(.transfer(request)) { return ending }
            case .command(.say(let text, let interrupt)):
                if interrupt { await stopPlayback() } else { await finishPlayback() }
                await sayOwnLine(text)
            case .command(.hangUp):
                return .hangUp
            case .command(.stopRecording):
                continue  // the call service's, never sent here
            case .mediaEnded:
                return .mediaEnded
            case .callerStarted:
                if let ending = await handle(.speechStarted) { return ending }
            case .callerStopped:
                if let ending = await handle(.speechStopped) { return ending }
                await conversation.session.endTurn()
            case .failed(let error):
                if let pendingEnding {
                    await finishPlayback()
                    self.pendingEnding = nil
                    if let ending = await settle(pendingEnding) { return ending }
                }
                await failed(error)
                return .hangUp
            }
        }
        return .cancelled
    }

    private mutating func handle(_ event: SpeechToSpeechEvent) async -> ConversationManager.Ending? {
        let c = conversation
        switch event {
        case .speechStarted:
            guard let playing, !playing.isDone, c.configuration.bargeIn else { return nil }
            let played = await stopPlayback()
            await c.session.interrupt(played: played)
            c.log.markInterrupted(at: c.clock.now())
            c.metrics.bargeIn()
            c.recorder.record(.bargeIn, [:])
            pendingEnding = nil
        case .speechStopped:
            callerStopped = c.clock.monotonic()
            measured = false
        case .callerSaid(let raw):
            let text = Redactor.redact(raw)
            let now = c.clock.monotonic()
            let latency = callerStopped.map { now - $0 } ?? .zero
            if callerStopped == nil { callerStopped = now; measured = false }
            c.metrics.stageLatency(.transcription, latency)
            c.recorder.record(.sttTranscribed, [
                "text": .string(text), "final": true, "latency_ms": .int(latency.milliseconds), "provider": .string(c.provider),
            ])
            c.log.append(Turn(speaker: .caller, text: text, startedAt: c.clock.now()))
            c.logger.info("caller said", metadata: ["transcript": "\(text)"])
        case .audio(let frame):
            if !feeding { startPlayback() }
            if !measured, let callerStopped {
                measured = true
                c.metrics.stageLatency(.response, c.clock.monotonic() - callerStopped)
            }
            playing?.feed.yield(frame)
        case .agentSaid(let text):
            let latency = callerStopped.map { c.clock.monotonic() - $0 } ?? .zero
            c.recorder.record(.llmResponded, ["text": .string(Redactor.redact(text)), "latency_ms": .int(latency.milliseconds)])
            c.log.append(Turn(speaker: .agent, text: text, startedAt: c.clock.now()))
            callerStopped = nil
        case .action(let action, let callID):
            switch action {
            case .hangup: pendingEnding = .hangUp
            case .transfer(let target): pendingEnding = .transfer(TransferRequest(target: target))
            case .collectDigits(let request):
                collecting = (callID, DigitCollector(
                    request, firstDigitTimeout: c.configuration.firstDigitTimeout, interDigitTimeout: c.configuration.interDigitTimeout,
                    now: c.clock.monotonic()))
                return nil
            case .say(let text, _):
                // A prompt that comes with another action of the same call (`collect_digits`): said in the
                // daemon's voice; the call is completed by that other action.
                await finishPlayback()
                await sayOwnLine(text)
                return nil
            }
        case .responseDone:
            if let ending = pendingEnding {
                await finishPlayback()
                pendingEnding = nil
                return await settle(ending)
            }
            playing?.feed.finish()
            feeding = false
        }
        return nil
    }

    /// The conversation's ending, once a transfer in it has been tried: nil when it failed (the caller is
    /// told in the daemon's voice, the model in a note, and the conversation goes on).
    private mutating func settle(_ ending: ConversationManager.Ending) async -> ConversationManager.Ending? {
        guard case .transfer(let request) = ending, let transfers else { return ending }
        let c = conversation
        let result = await transfers.attempt(request) { line in await Self.say(line, in: c) }
        switch result {
        case .completed:
            return .transferred(request)
        case .failed(let line):
            await sayOwnLine(line)
            await conversation.session.say("The transfer to \(request.target) did not go through; the caller is still with you.")
            return nil
        }
    }

    /// A key the caller pressed: part of the digits the model asked for, or a turn of its own.
    private mutating func keyed(_ digit: String) async {
        let c = conversation
        guard var pending = collecting else {
            c.recorder.record(.dtmfReceived, ["digit": .string(digit)])
            await c.session.say("The caller pressed \(digit) on the keypad.")
            return
        }
        c.recorder.record(.dtmfReceived, ["digit": .string(Responder.masked(digit)), "masked": true])
        if let entry = pending.entry.key(digit, now: c.clock.monotonic()) {
            await complete(pending.callID, entry)
        } else {
            collecting = pending
        }
    }

    /// The digit entry ends when the caller stopped keying.
    mutating func tick() async {
        guard let pending = collecting, let entry = pending.entry.expired(now: conversation.clock.monotonic()) else { return }
        await complete(pending.callID, entry)
    }

    /// Hands a finished entry to the model (the transcript shows only how many digits).
    private mutating func complete(_ callID: String, _ entry: DigitCollector.Entry) async {
        let c = conversation
        collecting = nil
        c.log.append(Turn(speaker: .caller, text: "", startedAt: c.clock.now(), dtmf: Responder.masked(entry.digits)))
        await c.session.complete(callID, output: entry.digits.isEmpty ? "no digits" : entry.digits)
    }

    /// A new answer's playback, after whatever is still playing.
    private mutating func startPlayback() {
        playing = SpeechToSpeechPlayback(media: conversation.media, after: playing)
        feeding = true
    }

    /// Lets the answer playing now play to its end.
    mutating func finishPlayback() async {
        guard let playing else { return }
        playing.feed.finish()
        _ = await playing.task.value
        self.playing = nil
        feeding = false
    }

    /// Cuts the answer playing now; returns how much of it was played.
    @discardableResult
    mutating func stopPlayback() async -> Duration {
        guard let playing else { return .zero }
        playing.cancel()
        await conversation.media.flush()
        playing.feed.finish()
        let played = await playing.task.value?.sent ?? .zero
        self.playing = nil
        feeding = false
        return played
    }

    /// The model failed: the fallback line in the daemon's voice, then the call ends.
    private mutating func failed(_ error: any Error) async {
        let c = conversation
        let failure = (error as? ProviderError) ?? ProviderError(.badResponse, provider: c.provider, "\(error)")
        c.logger.warning("speech-to-speech agent failed", metadata: ["error": "\(failure)"])
        if failure.kind == .timeout {
            c.recorder.record(.llmTimeout, ["provider": .string(failure.provider), "timeout_ms": .int(c.configuration.agentTimeout.milliseconds)])
        }
        c.metrics.providerFailure(kind: "agent", error: failure)
        await stopPlayback()
        await sayOwnLine(c.configuration.agentFallbackLine)
    }

    /// Says `text` through the daemon's text-to-speech (the model cannot be trusted to say it verbatim).
    private func sayOwnLine(_ text: String) async {
        await Self.say(text, in: conversation)
    }

    private static func say(_ text: String, in c: SpeechToSpeechConversation) async {
        c.log.append(Turn(speaker: .system, text: text, startedAt: c.clock.now()))
        let audio = c.tts.synthesize(SynthesisRequest(text: text, voice: c.configuration.voice, language: c.configuration.language))
        _ = try? await c.media.play(audio) {}
    }
}

/// One answer's audio on its way to the caller: fed as it arrives, played after the answer before it.
final class SpeechToSpeechPlayback: Sendable {
    let feed: AudioStream.Continuation
    let task: Task<PlaybackOutcome?, Never>
    private let state: State
    private let previous: SpeechToSpeechPlayback?

    /// Whether the playback is over, and whether it was called off before it started.
    final class State: Sendable {
        private let value = Mutex((done: false, cancelled: false))
        func finish() { value.withLock { $0.done = true } }
        func cancel() { value.withLock { $0.cancelled = true } }
        var isDone: Bool { value.withLock { $0.done } }
        var isCancelled: Bool { value.withLock { $0.cancelled } }
    }

    init(media: any MediaSession, after previous: SpeechToSpeechPlayback?) {
        let (audio, feed) = AudioStream.makeStream(bufferingPolicy: .unbounded)
        let state = State()
        self.feed = feed
        self.state = state
        self.previous = previous
        task = Task {
            _ = await previous?.task.value
            // An answer queued behind one the caller cut off is never played.
            let outcome = state.isCancelled ? nil : try? await media.play(audio) {}
            state.finish()
            return outcome
        }
    }

    /// Whether every frame has been played (or the playback was cut).
    var isDone: Bool { state.isDone }

    /// Calls off this playback and every one it waits for (those playing are cut by a media flush).
    func cancel() {
        state.cancel()
        previous?.cancel()
    }
}
