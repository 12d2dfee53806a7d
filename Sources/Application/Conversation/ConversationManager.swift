import Domain
import Logging
import Synchronization

/// Runs the conversation of one call: greeting, then listening -> STT -> agent -> TTS -> playback in a
/// loop, with barge-in, DTMF and the no-input policy, until the agent hangs up or transfers, the media
/// ends, or the task is cancelled (caller hangup, shutdown).
public struct ConversationManager: Sendable {
    /// How a conversation ended.
    public enum Ending: Sendable, Hashable {
        /// The agent (or the no-input policy) ended the call.
        case hangUp
        /// The agent or an operator asked for a transfer, and no `TransferHandler` carries it out here.
        case transfer(TransferRequest)
        /// The `TransferHandler` handed the caller on.
        case transferred(TransferRequest)
        /// The caller's audio stopped (media closed).
        case mediaEnded
        /// The task was cancelled.
        case cancelled
        /// The daemon closed the conversation (drain deadline at shutdown) after its closing line.
        case closed
    }

    let media: any MediaSession
    let stt: any SpeechToText
    let tts: any TextToSpeech
    let agent: any AgentConversation
    let recorder: CallEventRecorder
    public let log: ConversationLog
    let metrics: VoiceMetrics
    let configuration: ConversationConfiguration
    let clock: any Domain.Clock
    let logger: Logger

    public init(
        media: any MediaSession, stt: any SpeechToText, tts: any TextToSpeech, agent: any AgentConversation,
        recorder: CallEventRecorder, log: ConversationLog, metrics: VoiceMetrics,
        configuration: ConversationConfiguration, clock: any Domain.Clock, logger: Logger
    ) {
        self.media = media
        self.stt = stt
        self.tts = tts
        self.agent = agent
        self.recorder = recorder
        self.log = log
        self.metrics = metrics
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
    }

    /// Runs the conversation; `digits` carries the caller's DTMF as it arrives. `resuming` starts with
    /// the resume line instead of the agent's opening (a call picked up again after a restart).
    /// A line on `closing` interrupts whatever is playing, is spoken (an empty line is not), and ends the
    /// conversation with `.closed`: how a draining daemon says goodbye. An operator's line (`commands`) is
    /// said after the response playing, or cutting it. A transfer (the agent's or an operator's) is
    /// carried out by `transfers` while the conversation waits: done, it ends the conversation
    /// (`.transferred`); failed, the caller hears why and the conversation goes on. Without `transfers`
    /// a transfer ends the conversation (`.transfer`) for the caller of `run` to carry out.
    public func run(
        digits: AsyncStream<String>, closing: AsyncStream<String> = AsyncStream { $0.finish() },
        commands: AsyncStream<CallCommand> = AsyncStream { $0.finish() }, resuming: Bool = false, transfers: TransferHandler? = nil
    ) async -> Ending {
        let (signals, signal) = AsyncStream.makeStream(of: ConversationSignal.self, bufferingPolicy: .unbounded)
        let reference = EchoReference()
        var listener = UtteranceListener(
            stt: stt, callStream: callStreamSource,
            options: TranscriptionOptions(language: configuration.language, phrases: agent.expectedPhrases),
            configuration: configuration, recorder: recorder, metrics: metrics, clock: clock, logger: logger)
        listener.reference = reference
        var responder = Responder(
            media: media, tts: tts, agent: agent, recorder: recorder, transcript: log, metrics: metrics,
            configuration: configuration, clock: clock, logger: logger)
        responder.reference = reference

        // The conversation's tasks run where the media session produces and paces its frames, when it says
        // where that is: the listener is woken once per frame without a thread hop, the reply is converted
        // next to its pacing tick.
        return await withTaskExecutorPreference(media.preferredExecutor) {
            await converse(
                listener: listener, responder: responder, reference: reference, signals: signals, signal: signal, digits: digits, closing: closing,
                commands: commands, resuming: resuming, transfers: transfers)
        }
    }

    /// How the listener opens the call's transcription stream, when the configuration asks for one and
    /// the provider can keep one.
    private var callStreamSource: CallStreamSource? {
        guard configuration.streamWholeCall else { return nil }
        if let chain = stt as? SpeechToTextChain {
            return CallStreamSource(open: { await chain.openCallStream($0) }, broke: { chain.streamBroke($0, provider: $1) })
        }
        guard let streaming = stt as? any CallStreamingSpeechToText else { return nil }
        return CallStreamSource(
            open: { options in
                do throws(ProviderError) {
                    return .success((try await streaming.startCallStream(options), streaming.name))
                } catch { return .failure(error) }
            },
            broke: { _, _ in })
    }

    private func converse(
        listener: UtteranceListener, responder: Responder, reference: EchoReference, signals: AsyncStream<ConversationSignal>,
        signal: AsyncStream<ConversationSignal>.Continuation, digits: AsyncStream<String>, closing: AsyncStream<String>,
        commands: AsyncStream<CallCommand>, resuming: Bool, transfers: TransferHandler?
    ) async -> Ending {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await listener.run(inbound: media.inbound, signals: signal) }
            group.addTask {
                for await digit in digits { signal.yield(.digits(digit)) }
            }
            group.addTask {
                for await line in closing { signal.yield(.closing(line)) }
            }
            group.addTask {
                for await command in commands { signal.yield(.command(command)) }
            }
            group.addTask {
                while !Task.isCancelled {
                    do { try await clock.sleep(for: .milliseconds(100)) } catch { break }
                    signal.yield(.tick)
                }
            }
            var driver = Driver(
                machine: TurnTakingMachine(configuration: configuration), responder: responder, reference: reference, signal: signal,
                transfers: transfers)
            let ending = await driver.drive(signals, resuming: resuming, clock: clock, media: media, recorder: recorder, log: log, metrics: metrics)
            if ending == .cancelled || ending == .mediaEnded { driver.cancelResponse() }
            await driver.discardHeld(metrics: metrics)
            await driver.stopResponse()
            group.cancelAll()
            signal.finish()
            return ending
        }
    }
}

/// The loop that feeds signals to the state machine and performs its actions.
private struct Driver {
    var machine: TurnTakingMachine
    let responder: Responder
    /// What was played, for the echo guard: what a flush drops was never heard.
    let reference: EchoReference
    let signal: AsyncStream<ConversationSignal>.Continuation
    let transfers: TransferHandler?
    /// Speech that ended before this (monotonic) was said while a transfer was being tried: not a turn.
    var deafUntil: Duration?
    /// The id of the response whose signals count (0: none); `lastID` hands out ids.
    var responseID = 0
    var lastID = 0
    var response: Task<Void, Never>?
    /// Holds, resumes or stops the running response's playback (barge-in).
    var control: PromptControl?
    var lastSpeechEnd: Duration?
    /// A response started on a provisional text, its audio held until the final text releases it.
    var held: (id: Int, task: Task<Void, Never>, control: PromptControl, gate: ProvisionalGate)?
    /// Whether the response `responseID` is still running.
    var responding = false
    /// Operator lines waiting for the response playing to end.
    var pendingLines: [String] = []

    mutating func drive(
        _ signals: AsyncStream<ConversationSignal>, resuming: Bool, clock: any Domain.Clock, media: any MediaSession,
        recorder: CallEventRecorder, log: ConversationLog, metrics: VoiceMetrics
    ) async -> ConversationManager.Ending {
        let now = clock.monotonic()
        let first: TurnTakingMachine.Input =
            resuming ? .resume(now: now) : machine.configuration.calleeSpeaksFirst == nil ? .start(now: now) : .awaitCallee(now: now)
        let started = machine.handle(first)
        if let ending = await perform(started, media: media, recorder: recorder, log: log, metrics: metrics, clock: clock) {
            return ending
        }
        for await next in signals {
            if Task.isCancelled { return .cancelled }
            let now = clock.monotonic()
            let actions: [TurnTakingMachine.Action]
            switch next {
            case .speechStarted: actions = machine.handle(.speechStarted(now: now))
            case .bargeIn(let verdict):
                actions = machine.handle(.bargeIn(verdict, interruptible: control?.interruptible ?? true, now: now))
            case .utterance(_, let endedAt) where deafUntil.map { endedAt < $0 } ?? false:
                machine.callerStopped()
                actions = []
            case .utterance(let transcript, let endedAt):
                lastSpeechEnd = endedAt
                let held = transcript.text.isEmpty ? [] : machine.holdForWords(interruptible: control?.interruptible ?? true, now: now)
                actions = held + machine.handle(.utterance(transcript.text, confidence: transcript.confidence, now: now))
            case .provisional(let text): actions = machine.handle(.provisional(text, now: now))
            case .provisionalWithdrawn: actions = machine.handle(.provisionalWithdrawn(now: now))
            case .transcriptionFailed: actions = machine.handle(.transcriptionFailed(now: now))
            case .digits(let digit):
                let wasMasked = machine.digitsAreMasked
                actions = machine.handle(.digits(digit, now: now))
                // A key of an entry the agent asked for (or typed ahead of one) may be a PIN or a card digit.
                let masked = wasMasked || machine.digitsAreMasked
                recorder.record(.dtmfReceived, masked ? ["digit": .string(Responder.masked(digit)), "masked": true] : ["digit": .string(digit)])
            case .digitsRequested(let id, let request):
                actions = id == responseID ? machine.handle(.digitsRequested(request, now: now)) : []
            case .responseSpeaking(let id):
                if id == responseID { machine.responseStartedSpeaking() }
                actions = []
            case .responseFinished(let id, let ending):
                if id == responseID { responding = false }
                actions = id == responseID ? machine.handle(.responseFinished(ending, now: now)) : []
            case .tick: actions = machine.handle(.tick(now: now))
            case .mediaEnded: return .mediaEnded
            case .command(.transfer(let request)):
                await cutResponse(media: media, metrics: metrics, now: now)
                actions = []
                if let ending = await transfer(request, media: media, recorder: recorder, log: log, metrics: metrics, clock: clock) {
                    return ending
                }
            case .command(.say(let text, let interrupt)):
                if interrupt && responding {
                    responseID = 0
                    responding = false
                    control?.stop()
                    response?.cancel()
                    await dropQueuedAudio(media, now: now)
                }
                pendingLines.append(text)
                actions = []
            case .command(.hangUp):
                return .hangUp
            case .command(.stopRecording):
                actions = []  // the call service's, never sent here
            case .closing(let line):
                await cutResponse(media: media, metrics: metrics, now: now)
                if !line.isEmpty { _ = await responder.run(.line(line, thenHangUp: true), speechEndedAt: nil) {} }
                return .closed
            }
            if let ending = await perform(actions, media: media, recorder: recorder, log: log, metrics: metrics, clock: clock) {
                return ending
            }
            if !responding && !pendingLines.isEmpty {
                // An operator's line, once nothing else plays.
                await stopResponse()
                let (id, task, control) = launch(.line(pendingLines.removeFirst(), thenHangUp: false), gate: nil)
                (responseID, response, self.control) = (id, task, control)
            }
        }
        return .cancelled
    }

    /// Performs actions; returns an ending when one of them ends the conversation.
    private mutating func perform(
        _ actions: [TurnTakingMachine.Action], media: any MediaSession, recorder: CallEventRecorder,
        log: ConversationLog, metrics: VoiceMetrics, clock: any Domain.Clock
    ) async -> ConversationManager.Ending? {
        for action in actions {
            switch action {
            case .respond(let what):
                await stopResponse()
                let (id, task, control) = launch(what, gate: nil)
                (responseID, response, self.control) = (id, task, control)
            case .prepare(let what):
                await discardHeld(metrics: metrics)
                guard responder.agent.answersProvisionally else { break }
                let gate = ProvisionalGate()
                let (id, task, control) = launch(what, gate: gate)
                held = (id, task, control, gate)
            case .releasePrepared(let what):
                await stopResponse()
                guard let early = held else {
                    let (id, task, control) = launch(what, gate: nil)
                    (responseID, response, self.control) = (id, task, control)
                    break
                }
                held = nil
                if case .agent(.utterance(let text, _)) = what { early.gate.open(.init(text: text, speechEndedAt: lastSpeechEnd)) }
                lastSpeechEnd = nil
                metrics.earlyStart(used: true)
                (response, responseID, control) = (early.task, early.id, early.control)
                responding = true
            case .discardPrepared:
                await discardHeld(metrics: metrics)
            case .pause:
                // The caller may be talking: stop sending at once, keep the rest.
                control?.pause()
                await dropQueuedAudio(media, now: clock.monotonic())
                metrics.promptHeld()
            case .resume:
                control?.resume()
                metrics.promptResumed()
            case .interrupt:
                responseID = 0
                responding = false
                control?.stop()
                response?.cancel()
                await dropQueuedAudio(media, now: clock.monotonic())
                response = nil
                control = nil
                log.markInterrupted(at: clock.now())
                metrics.bargeIn()
                recorder.record(.bargeIn, [:])
            case .hangUp:
                return .hangUp
            case .transfer(let target):
                if let ending = await transfer(
                    TransferRequest(target: target), media: media, recorder: recorder, log: log, metrics: metrics, clock: clock)
                {
                    return ending
                }
            }
        }
        return nil
    }

    /// Tries `request` through the handler; returns the ending when the caller was handed on, or after
    /// the way back to the agent has been set off (nil: the conversation goes on).
    private mutating func transfer(
        _ request: TransferRequest, media: any MediaSession, recorder: CallEventRecorder, log: ConversationLog, metrics: VoiceMetrics,
        clock: any Domain.Clock
    ) async -> ConversationManager.Ending? {
        guard let transfers else { return .transfer(request) }
        let responder = responder
        let result = await transfers.attempt(request) { line in
            _ = await responder.run(.line(line, thenHangUp: false), speechEndedAt: nil) {}
        }
        switch result {
        case .completed:
            return .transferred(request)
        case .failed(let line):
            let now = clock.monotonic()
            deafUntil = now
            return await perform(machine.handle(.transferFailed(line, now: now)), media: media, recorder: recorder, log: log, metrics: metrics, clock: clock)
        }
    }

    /// Starts `what`, reporting its signals under a new id. A gated response holds its audio until the
    /// gate opens (the caller-felt latency is measured from the end of speech the gate brings).
    private mutating func launch(_ what: TurnTakingMachine.Response, gate: ProvisionalGate?) -> (Int, Task<Void, Never>, PromptControl) {
        lastID += 1
        let id = lastID
        let (responder, signal) = (responder, signal)
        let speechEnd = gate == nil ? lastSpeechEnd : nil
        if gate == nil { lastSpeechEnd = nil }
        let control = PromptControl()
        let task = Task {
            let ending = await responder.run(
                what, speechEndedAt: speechEnd, gate: gate, control: control, onDigitsRequested: { signal.yield(.digitsRequested(id: id, $0)) }
            ) { signal.yield(.responseSpeaking(id: id)) }
            signal.yield(.responseFinished(id: id, ending))
        }
        if gate == nil { responding = true }
        return (id, task, control)
    }

    /// Stops at once whatever plays or is held (an operator's transfer, the drain's closing line).
    private mutating func cutResponse(media: any MediaSession, metrics: VoiceMetrics, now: Duration) async {
        responseID = 0
        responding = false
        await discardHeld(metrics: metrics)
        control?.stop()
        response?.cancel()
        await dropQueuedAudio(media, now: now)
        response = nil
    }

    /// Drops the audio queued for the caller: never sent, so never echoed either.
    private func dropQueuedAudio(_ media: any MediaSession, now: Duration) async {
        reference.truncate(at: now)
        await media.flush()
    }

    /// Throws the held response away; returns once the agent has forgotten its turn (before anything
    /// else asks the agent).
    mutating func discardHeld(metrics: VoiceMetrics) async {
        guard let early = held else { return }
        held = nil
        early.gate.discard()
        await early.task.value
        metrics.earlyStart(used: false)
    }

    /// Stops the running response at once (caller gone).
    func cancelResponse() { response?.cancel() }

    mutating func stopResponse() async {
        guard let response else { return }
        // A held response is not waited for: it would wait for its verdict.
        if control?.mode == .paused { control?.stop() }
        // A finished response has already yielded; a running one is waited for so its audio completes
        // (hangup after "Goodbye.") unless cancelled by the caller.
        await response.value
        self.response = nil
    }
}
