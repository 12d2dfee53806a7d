import Domain

/// The turn-taking state machine of one conversation: `greeting -> listening -> thinking -> speaking`.
///
/// A plain value: `handle(_:)` takes what happened and returns what to do; `ConversationManager`
/// performs the actions. No I/O, so every rule is tested without sockets or timers.
public struct TurnTakingMachine: Sendable {
    public enum Phase: Sendable, Hashable {
        case greeting, listening, thinking, speaking, finished
        /// A prompt is held: the caller may be talking over it (too short yet to tell).
        case paused
        /// The caller talked over the held prompt long enough: its transcript decides (words cut the
        /// prompt, none resume it).
        case heard
    }

    /// What the daemon says next.
    public enum Response: Sendable, Hashable {
        /// The agent's opening (greeting).
        case opening
        /// The agent's answer to a caller turn.
        case agent(AgentInput)
        /// A fixed line from the daemon itself, optionally followed by hanging up.
        case line(String, thenHangUp: Bool)
        /// The digits the caller keyed for the agent's `collectDigits`: handed in as `.digits`, kept
        /// masked in the transcript.
        case entry(String)
    }

    /// How a response ended.
    public enum ResponseEnding: Sendable, Hashable {
        case finished
        case hangUp
        case transfer(TransferTarget)
        /// The agent did not answer in time; the fallback line was said.
        case agentFailed
    }

    public enum Input: Sendable, Hashable {
        case start(now: Duration)
        /// The conversation continues after a daemon restart: the resume line instead of the opening.
        case resume(now: Duration)
        /// An outbound call was answered: the opening waits for the callee's first words (or
        /// `calleeSpeaksFirst` of silence).
        case awaitCallee(now: Duration)
        case speechStarted(now: Duration)
        case utterance(String, confidence: Double? = nil, now: Duration)
        /// The caller paused mid-utterance; the text so far.
        case provisional(String, now: Duration)
        /// The caller went on after the provisional text.
        case provisionalWithdrawn(now: Duration)
        case transcriptionFailed(now: Duration)
        case digits(String, now: Duration)
        /// The response playing asks for digits once its prompt is said (the agent's `collectDigits`).
        case digitsRequested(DigitRequest, now: Duration)
        case responseFinished(ResponseEnding, now: Duration)
        case tick(now: Duration)
        /// A transfer did not go through: the caller is back with the agent, told so with `line`.
        case transferFailed(String, now: Duration)
        /// The barge-in judge's verdict on the caller's (echo-guarded) voice; `interruptible`: whether
        /// the sentence playing may be cut.
        case bargeIn(BargeInJudge.Event, interruptible: Bool, now: Duration)
    }

    public enum Action: Sendable, Hashable {
        case respond(Response)
        /// Start this response now but hold its audio until released (an answer to a provisional text).
        case prepare(Response)
        /// The prepared response answers the final text: let it play (start `Response` if none was prepared).
        case releasePrepared(Response)
        /// Throw the prepared response away (and let the agent forget its turn).
        case discardPrepared
        /// Stop the current response and drop queued audio (barge-in).
        case interrupt
        /// Hold the response where it is (stop sending, keep the rest).
        case pause
        /// Let the held response play on from where it was held.
        case resume
        case hangUp
        case transfer(TransferTarget)
    }

    public let configuration: ConversationConfiguration
    public internal(set) var phase: Phase = .greeting
    public private(set) var noInputStrikes = 0
    var listeningSince: Duration?
    /// The caller has started an utterance whose transcript has not come yet: a response ending meanwhile
    /// does not start the no-input wait (the caller is not silent, only slow to transcribe).
    var callerSpeaking = false
    /// The provisional text a prepared response answers (normalised).
    private var prepared: String?
    /// The opening waits for the callee (`awaitCallee`).
    public private(set) var openingOwed = false
    /// The digit entry in progress.
    public private(set) var collector: DigitCollector?
    /// The digits the response playing asks for, collected once its prompt ends (or the first key cuts it).
    var requested: DigitRequest?
    /// The phase a held prompt goes back to, and since when it is held.
    var resumePhase = Phase.speaking
    var pausedSince: Duration?
    /// Keys pressed while the agent thinks or speaks a prompt they do not cut: handed in after it.
    public private(set) var typedAhead = ""

    public init(configuration: ConversationConfiguration) {
        self.configuration = configuration
    }

    /// A response is being heard (or held while the caller may be talking over it).
    private var isTalking: Bool { isPlaying || phase == .paused || phase == .heard }
    var isPlaying: Bool { phase == .greeting || phase == .speaking }

    /// Whether keyed digits are an entry the agent asked for (or may become one), and so are masked
    /// wherever they would be shown: an entry in progress, a prompt asking for one, keys typed ahead.
    public var digitsAreMasked: Bool { collector != nil || requested != nil || !typedAhead.isEmpty }

    public mutating func handle(_ input: Input) -> [Action] {
        if case .transferFailed = input {} else if phase == .finished { return [] }
        let discard = discardPrepared(unlessFor: input)
        return discard + decide(input)
    }

    /// A prepared response lives only until the utterance it was prepared for is settled.
    private mutating func discardPrepared(unlessFor input: Input) -> [Action] {
        guard prepared != nil else { return [] }
        switch input {
        case .utterance, .provisional, .tick, .responseFinished, .bargeIn: return []
        default:
            prepared = nil
            return [.discardPrepared]
        }
    }

    /// Lower-case letters and digits, single spaces: what must match between a provisional and a final text.
    static func normalised(_ text: String) -> String {
        text.lowercased().split { !$0.isLetter && !$0.isNumber }.joined(separator: " ")
    }

    private mutating func decide(_ input: Input) -> [Action] {
        switch input {
        case .start:
            phase = .greeting
            return [.respond(.opening)]

        case .resume:
            phase = .greeting
            return [.respond(.line(configuration.resumeLine, thenHangUp: false))]

        case .awaitCallee(let now):
            phase = .listening
            openingOwed = true
            listeningSince = now
            return []

        case .speechStarted:
            // Whether it cuts a response is the barge-in judge's call (`bargeIn`).
            listeningSince = nil
            callerSpeaking = true
            return []

        case .bargeIn(let event, let interruptible, let now):
            return bargeIn(event, interruptible: interruptible, now: now)

        case .utterance(let text, let confidence, let now):
            callerSpeaking = false
            let early = prepared
            prepared = nil
            var discard: [Action] = early == nil ? [] : [.discardPrepared]
            var cut: [Action] = []
            if isHeld {
                // What the caller said over the held prompt: nothing (a cough, noise) gives it back.
                guard !text.isEmpty else { return discard + resumePrompt() }
                cut = cutPrompt()
                discard += cut
            }
            guard phase == .listening else { return discard }
            if openingOwed { return discard + owedOpening() }
            // Silence or noise during an entry leaves it to its own timeouts; words end it.
            if collector != nil && text.isEmpty { return discard }
            collector = nil
            if text.isEmpty {
                return discard + noInput(now: now, reprompt: configuration.repromptLine)
            }
            noInputStrikes = 0
            requested = nil
            phase = .thinking
            let response = Response.agent(.utterance(text, confidence: confidence))
            if let early, early == Self.normalised(text) { return cut + [.releasePrepared(response)] }
            return discard + [.respond(response)]

        case .provisional(let text, _):
            guard phase == .listening, !openingOwed, !text.isEmpty else { return [] }
            let discard: [Action] = prepared == nil ? [] : [.discardPrepared]
            prepared = Self.normalised(text)
            return discard + [.prepare(.agent(.utterance(text, confidence: nil)))]

        case .provisionalWithdrawn:
            return []

        case .transcriptionFailed(let now):
            callerSpeaking = false
            if isHeld { return resumePrompt() }
            guard phase == .listening, collector == nil else { return [] }
            if openingOwed { return owedOpening() }
            return noInput(now: now, reprompt: configuration.repromptLine)

        case .digits(let digits, let now):
            return keyed(digits, now: now)

        case .digitsRequested(let request, _):
            guard phase == .thinking || isTalking else { return [] }
            requested = request
            return []

        case .responseFinished(let ending, let now):
            // Played to the end before it could be held: nothing to resume; the caller's words are a turn.
            if isHeld { (phase, pausedSince) = (.speaking, nil) }
            switch ending {
            case .finished, .agentFailed:
                guard phase != .listening else { return [] }
                phase = .listening
                listeningSince = callerSpeaking ? nil : now
                return afterResponse(asked: ending == .finished ? requested : nil, now: now)
            case .hangUp:
                phase = .finished
                return [.hangUp]
            case .transfer(let target):
                phase = .finished
                return [.transfer(target)]
            }

        case .transferFailed(let line, _):
            phase = .speaking
            requested = nil
            collector = nil
            listeningSince = nil
            pausedSince = nil
            return [.respond(.line(line, thenHangUp: false))]

        case .tick(let now):
            if isHeld, let since = pausedSince, now - since >= heldLimit { return resumePrompt() }
            if let entry = collector?.expired(now: now) {
                collector = nil
                return entered(entry, now: now)
            }
            guard collector == nil else { return [] }
            if openingOwed, phase == .listening, let since = listeningSince, let wait = configuration.calleeSpeaksFirst, now - since >= wait {
                return owedOpening()
            }
            guard phase == .listening, let since = listeningSince,
                now - since >= configuration.noInputTimeout
            else { return [] }
            return noInput(now: now, reprompt: configuration.repromptLine)
        }
    }

    /// A key: part of the entry in progress, the start of the entry a prompt asks for (cutting the
    /// prompt), a one-key turn, or typed ahead of a response (never dropped).
    private mutating func keyed(_ digit: String, now: Duration) -> [Action] {
        noInputStrikes = 0
        // A key on a held prompt: as if it played (the key may cut it, or wait for it).
        if isHeld { return resumePrompt() + keyed(digit, now: now) }
        if var entry = collector {
            let done = entry.key(digit, now: now)
            collector = done == nil ? entry : nil
            return done.map { entered($0, now: now) } ?? []
        }
        if let request = requested, phase == .thinking || isTalking {
            // The prompt asks for digits: the first key cuts it and starts the entry.
            requested = nil
            phase = .listening
            listeningSince = nil
            var entry = startEntry(request, now: now)
            typedAhead += digit
            var rest = ""
            let done = entry.keyAll(typedAhead, now: now, rest: &rest)
            typedAhead = rest
            collector = done == nil ? entry : nil
            return [.interrupt] + (done.map { entered($0, now: now) } ?? [])
        }
        switch phase {
        case .listening:
            openingOwed = false
            phase = .thinking
            return [.respond(.agent(.digits(digit)))]
        case .greeting where configuration.bargeIn && typedAhead.isEmpty, .speaking where configuration.bargeIn && typedAhead.isEmpty:
            phase = .thinking
            return [.interrupt, .respond(.agent(.digits(digit)))]
        default:
            typedAhead += digit
            return []
        }
    }

    /// A response ended and the machine listens again: the entry it asked for starts (fed with the keys
    /// typed ahead), or the keys typed ahead go to the agent as one turn.
    private mutating func afterResponse(asked request: DigitRequest?, now: Duration) -> [Action] {
        requested = nil
        if let request {
            var entry = startEntry(request, now: now)
            var rest = ""
            let done = entry.keyAll(typedAhead, now: now, rest: &rest)
            typedAhead = rest
            collector = done == nil ? entry : nil
            return done.map { entered($0, now: now) } ?? []
        }
        guard !typedAhead.isEmpty else { return [] }
        let keys = typedAhead
        typedAhead = ""
        phase = .thinking
        return [.respond(.entry(keys))]
    }

    private func startEntry(_ request: DigitRequest, now: Duration) -> DigitCollector {
        DigitCollector(
            request, firstDigitTimeout: configuration.firstDigitTimeout, interDigitTimeout: configuration.interDigitTimeout, now: now)
    }

    /// A finished entry goes to the agent; an empty one (first-digit timeout) is a no-input strike the
    /// agent answers (re-asks), until the no-input policy says goodbye.
    private mutating func entered(_ entry: DigitCollector.Entry, now: Duration) -> [Action] {
        listeningSince = nil
        if entry.digits.isEmpty && entry.completion == .firstDigitTimeout {
            noInputStrikes += 1
            phase = .speaking
            if noInputStrikes >= configuration.maxNoInputStrikes {
                return [.respond(.line(configuration.goodbyeLine, thenHangUp: true))]
            }
            return [.respond(.agent(.noInput))]
        }
        phase = .thinking
        return [.respond(.entry(entry.digits))]
    }

    /// The agent's response started producing speech (phase bookkeeping only).
    public mutating func responseStartedSpeaking() {
        if phase == .thinking { phase = .speaking }
    }

    /// The callee spoke (or stayed silent long enough): the agent's opening now.
    private mutating func owedOpening() -> [Action] {
        openingOwed = false
        phase = .greeting
        return [.respond(.opening)]
    }

    private mutating func noInput(now: Duration, reprompt: String) -> [Action] {
        noInputStrikes += 1
        listeningSince = nil
        phase = .speaking
        if noInputStrikes >= configuration.maxNoInputStrikes {
            return [.respond(.line(configuration.goodbyeLine, thenHangUp: true))]
        }
        return [.respond(.line(reprompt, thenHangUp: false))]
    }
}
