import Domain

/// An operator's request for an outbound call (`POST /v1/calls`).
public struct OutboundCallRequest: Sendable, Hashable {
    /// Who to call.
    public var to: PhoneNumber
    /// The caller id presented to the callee; nil for the trunk's.
    public var from: PhoneNumber?
    /// The agent the orchestrator should use on this call; nil for the tenant's.
    public var agentID: String?
    /// The call's language; nil for the tenant's.
    public var language: String?
    /// The TTS voice; nil for the tenant's.
    public var voice: String?
    /// Free-form values for the agent (the orchestrator and the chat agent see them).
    public var variables: [String: String]
    /// How long the callee's phone may ring.
    public var timeout: Duration
    /// The client's idempotency key: the same key again (within a day) returns the same call.
    public var idempotencyKey: String?

    public init(
        to: PhoneNumber, from: PhoneNumber? = nil, agentID: String? = nil, language: String? = nil, voice: String? = nil,
        variables: [String: String] = [:], timeout: Duration = .seconds(30), idempotencyKey: String? = nil
    ) {
        self.to = to
        self.from = from
        self.agentID = agentID
        self.language = language
        self.voice = voice
        self.variables = variables
        self.timeout = timeout
        self.idempotencyKey = idempotencyKey
    }

    /// What must match for a repeated idempotency key to be the same request.
    var fingerprint: String {
        let vars = variables.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\u{1}")
        return [to.e164, from?.e164 ?? "", agentID ?? "", language ?? "", voice ?? "", vars, "\(timeout.components.seconds)"]
            .joined(separator: "\u{2}")
    }
}

/// A placed outbound call.
public struct OriginatedCall: Sendable, Hashable {
    public var callID: CallID
    public var state: CallState
    /// The idempotency key had been used before: this is the call it placed then.
    public var replayed: Bool

    public init(callID: CallID, state: CallState, replayed: Bool) {
        self.callID = callID
        self.state = state
        self.replayed = replayed
    }
}

/// Why an outbound call was not placed.
public enum OriginateError: Error, Sendable, Hashable {
    /// The number matches no pattern of the tenant's (or the daemon's) `allowed_destinations`.
    case destinationNotAllowed(PhoneNumber)
    /// The tenant has `max_concurrent_calls` calls already.
    case tenantLimit(Int)
    /// The daemon is at `calls.max_concurrent`, or draining.
    case unavailable(String)
    /// The idempotency key was used for a different request.
    case idempotencyConflict
    /// Asterisk refused or could not be reached.
    case telephony(ProviderError)
}

/// Settings of outbound calls (`calls.dial_template`, `calls.outbound.*`).
public struct OutboundSettings: Sendable, Hashable {
    /// The daemon's dial template; a tenant's `dial_template` replaces it.
    public var dialTemplate = DialTemplate.standard
    /// Once answered, the agent speaks first (false: it waits for the callee's first words, or
    /// `calleeWait` of silence).
    public var agentSpeaksFirst = false
    /// How long the agent waits for the callee to speak first.
    public var calleeWait: Duration = .seconds(2)
    /// Beyond the ring timeout, how long the daemon waits for Asterisk to report the outcome before it
    /// hangs the channel up itself (`no_answer`).
    public var outcomeGrace: Duration = .seconds(5)
    /// How long an idempotency key is remembered.
    public var idempotencyTTL: Duration = .seconds(86_400)
    /// Answering-machine screening once answered (`calls.outbound.machine_detection`).
    public var machineDetection = MachineHandling.off
    /// Left on a machine after its greeting (`leaveMessage`).
    public var machineMessage = "Hello, this is an automated call. Please call us back. Goodbye."
    /// The longest a machine's greeting is waited out before the message starts anyway.
    public var machineGreetingLimit: Duration = .seconds(30)

    public init() {}
}

/// What an outbound call does about answering machines.
public enum MachineHandling: String, Sendable, Hashable, CaseIterable {
    /// No screening: a machine gets the conversation.
    case off
    /// A machine is hung up on (`call.ended` reason `answering_machine`).
    case hangUp = "hangup"
    /// A machine gets `machineMessage` after its greeting, then the call ends.
    case leaveMessage = "message"
}

/// How a dial that never reached the application ended, from the destroyed channel's Q.850 cause and
/// the dial's last status. Measured on Asterisk 22.10.1 (Tests/Fixtures/asterisk-22.10.1/originate):
/// busy is cause 0 with `BUSY`, congestion cause 0 with `CONGESTION`, a ring timeout cause 19 after
/// `RINGING`, a rejection (`Hangup(21)`, SIP 603) cause 21 with `NOANSWER`, an unroutable endpoint cause 0
/// without any status.
enum DialOutcome {
    static func reason(cause: Int?, dialStatus: String?) -> EndReason {
        switch (dialStatus, cause) {
        // A declined call counts as busy, as dialers do: the callee is there and refused.
        case ("BUSY", _), (_, 17), (_, 21): .busy
        case ("CONGESTION", _), ("CHANUNAVAIL", _): .dialFailed
        case (_, 18), (_, 19), ("NOANSWER", _), ("RINGING", _): .noAnswer
        default: .dialFailed
        }
    }
}
