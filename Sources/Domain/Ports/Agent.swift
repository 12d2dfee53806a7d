/// What an agent knows about the call it talks on.
public struct AgentContext: Sendable, Hashable {
    public var callID: CallID
    public var conversationID: ConversationID
    public var tenantID: TenantID
    /// Which agent (for the orchestrator); nil for the default.
    public var agentID: String?
    public var callerNumber: String
    public var calleeNumber: String
    public var language: String
    /// The conversation so far, when the call is resumed after a restart (empty for a new call): an
    /// agent that keeps a history starts from it.
    public var history: [HistoryLine]
    /// Values the operator gave an outbound call (`variables` of `POST /v1/calls`); empty otherwise.
    public var variables: [String: String] = [:]

    public init(
        callID: CallID, conversationID: ConversationID, tenantID: TenantID, agentID: String? = nil,
        callerNumber: String = "", calleeNumber: String = "", language: String = "en-US", history: [HistoryLine] = []
    ) {
        self.history = history
        self.callID = callID
        self.conversationID = conversationID
        self.tenantID = tenantID
        self.agentID = agentID
        self.callerNumber = callerNumber
        self.calleeNumber = calleeNumber
        self.language = language
    }
}

/// A caller turn handed to the agent.
public enum AgentInput: Sendable, Hashable {
    /// What the caller said (final transcript, redacted), with the recogniser's confidence (0...1) when it
    /// gives one: an agent may confirm before a hangup or transfer heard with low confidence.
    case utterance(String, confidence: Double? = nil)
    /// Digits the caller keyed.
    case digits(String)
    /// The caller said nothing for the no-input timeout.
    case noInput
}

/// What the agent wants done.
public enum AgentAction: Sendable, Hashable {
    /// Say this to the caller. A prompt that is not `interruptible` (a legal notice, a number read back)
    /// plays to its end whatever the caller says.
    case say(String, interruptible: Bool = true)
    /// Transfer the caller.
    case transfer(TransferTarget)
    /// End the call (after anything said before it has been played).
    case hangup
    /// Collect the caller's digits as `DigitRequest` says, then hand them in as one turn (`digits`, or
    /// `noInput` when none came before the first-digit timeout). The prompt said before it in the same
    /// answer may be cut by the first digit; the digits are masked in events, logs and state.
    case collectDigits(DigitRequest)

    /// Collect up to `maxDigits` digits, ended early by `terminator`, with the daemon's timeouts.
    public static func collectDigits(maxDigits: Int, terminator: String?) -> AgentAction {
        .collectDigits(DigitRequest(maxDigits: maxDigits, terminator: terminator))
    }
}

/// An agent: the built-in script, an LLM, or the platform's orchestrator.
public protocol Agent: Sendable {
    /// The configured name (`scripted`, `openai`, `orchestrator`).
    var name: String { get }

    /// Starts the conversation of a call. Throws a classified `ProviderError`.
    func startConversation(_ context: AgentContext) async throws(ProviderError) -> any AgentConversation
}

/// One call's conversation with an agent.
public protocol AgentConversation: Sendable {
    /// Words and phrases the caller is expected to say, as hints for speech recognition.
    var expectedPhrases: [String] { get }

    /// The opening actions (greeting).
    func opening() async throws(ProviderError) -> [AgentAction]

    /// The agent's answer to a caller turn, as a stream of actions (an LLM streams sentence by sentence).
    /// The stream throws `ProviderError`.
    func respond(to input: AgentInput) -> AsyncThrowingStream<AgentAction, any Error>

    /// What the caller heard of a sentence the conversation asked to say: all of it, or the words played
    /// before a barge-in cut it off (empty: nothing). An agent that keeps a history keeps this, not what
    /// it generated.
    func heard(_ text: String)

    /// The call is over; release what the conversation holds.
    func end() async

    /// Whether `respond(to:)` may be asked on a caller's pause, before the final transcript, and the
    /// turn then withdrawn (`withdrawLastTurn()`): true only where answering has no effect outside the
    /// daemon (no server-side conversation, no webhook).
    var answersProvisionally: Bool { get }

    /// The last `respond(to:)` was asked on a provisional text that turned out wrong: forget that turn
    /// as if it had not been asked (its answer was never played).
    func withdrawLastTurn()
}

extension AgentConversation {
    /// Agents without a history ignore it.
    public func heard(_ text: String) {}

    /// By default an agent is only asked on final transcripts.
    public var answersProvisionally: Bool { false }

    /// Nothing to forget by default.
    public func withdrawLastTurn() {}
}
