import Domain

/// The turn-taking state machine of one conversation: `greeting -> listening -> thinking -> speaking`.
///
/// A plain value: `handle(_:)` takes what happened and returns what to do; `ConversationManager`
/// performs the actions. No I/O, so every rule is tested without sockets or timers.
public struct TurnTakingMachine: Sendable {
    public enum Phase: Sendable, Hashable {
        case greeting, listening, thinking, speaking, finished
    }

    /// What the daemon says next.
    public enum Response: Sendable, Hashable {
        /// The agent's opening (greeting).
        case opening
        /// The agent's answer to a caller turn.
        case agent(AgentInput)
        /// A fixed line from the daemon itself, optionally followed by hanging up.
        case line(String, thenHangUp: Bool)
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
        case responseFinished(ResponseEnding, now: Duration)
        case tick(now: Duration)
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
        case hangUp
        case transfer(TransferTarget)
    }

    public let configuration: ConversationConfiguration
    public private(set) var phase: Phase = .greeting
    public private(set) var noInputStrikes = 0
    private var listeningSince: Duration?
    /// The provisional text a prepared response answers (normalised).
    private var prepared: String?
    /// The opening waits for the callee (`awaitCallee`).
    public private(set) var openingOwed = false

    public init(configuration: ConversationConfiguration) {
        self.configuration = configuration
    }

    private var isTalking: Bool { phase == .greeting || phase == .speaking }

    public mutating func handle(_ input: Input) -> [Action] {
        guard phase != .finished else { return [] }
        let discard = discardPrepared(unlessFor: input)
        return discard + decide(input)
    }

    /// A prepared response lives only until the utterance it was prepared for is settled.
    private mutating func discardPrepared(unlessFor input: Input) -> [Action] {
        guard prepared != nil else { return [] }
        switch input {
        case .utterance, .provisional, .tick, .responseFinished: return []
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
            listeningSince = nil
            if isTalking && configuration.bargeIn {
                phase = .listening
                return [.interrupt]
            }
            return []

        case .utterance(let text, let confidence, let now):
            let early = prepared
            prepared = nil
            let discard: [Action] = early == nil ? [] : [.discardPrepared]
            guard phase == .listening else { return discard }
            if openingOwed { return discard + owedOpening() }
            if text.isEmpty {
                return discard + noInput(now: now, reprompt: configuration.repromptLine)
            }
            noInputStrikes = 0
            phase = .thinking
            let response = Response.agent(.utterance(text, confidence: confidence))
            if let early, early == Self.normalised(text) { return [.releasePrepared(response)] }
            return discard + [.respond(response)]

        case .provisional(let text, _):
            guard phase == .listening, !openingOwed, !text.isEmpty else { return [] }
            let discard: [Action] = prepared == nil ? [] : [.discardPrepared]
            prepared = Self.normalised(text)
            return discard + [.prepare(.agent(.utterance(text, confidence: nil)))]

        case .provisionalWithdrawn:
            return []

        case .transcriptionFailed(let now):
            guard phase == .listening else { return [] }
            if openingOwed { return owedOpening() }
            return noInput(now: now, reprompt: configuration.repromptLine)

        case .digits(let digits, _):
            switch phase {
            case .listening:
                noInputStrikes = 0
                openingOwed = false
                phase = .thinking
                return [.respond(.agent(.digits(digits)))]
            case .greeting where configuration.bargeIn, .speaking where configuration.bargeIn:
                noInputStrikes = 0
                phase = .thinking
                return [.interrupt, .respond(.agent(.digits(digits)))]
            default:
                return []
            }

        case .responseFinished(let ending, let now):
            switch ending {
            case .finished, .agentFailed:
                guard phase != .listening else { return [] }
                phase = .listening
                listeningSince = now
                return []
            case .hangUp:
                phase = .finished
                return [.hangUp]
            case .transfer(let target):
                phase = .finished
                return [.transfer(target)]
            }

        case .tick(let now):
            if openingOwed, phase == .listening, let since = listeningSince, let wait = configuration.calleeSpeaksFirst, now - since >= wait {
                return owedOpening()
            }
            guard phase == .listening, let since = listeningSince,
                now - since >= configuration.noInputTimeout
            else { return [] }
            return noInput(now: now, reprompt: configuration.repromptLine)
        }
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
