/// The call aggregate: who, where, which providers, and where it is in its life cycle.
///
/// Only `CallService` mutates calls; every transition goes through the methods below, which enforce
/// the state machine of `CallState`, stamp the time, and return what happened as domain events.
public struct Call: Sendable, Hashable, Codable {
    public let id: CallID
    public var tenantID: TenantID
    /// The caller's (inbound) or callee's (outbound) Asterisk channel.
    public var channelID: ChannelID
    public var conversationID: ConversationID
    public var direction: CallDirection
    public var callerNumber: String
    public var calleeNumber: String
    public private(set) var state: CallState
    public let createdAt: Timestamp
    public private(set) var answeredAt: Timestamp?
    public private(set) var endedAt: Timestamp?
    public private(set) var endReason: EndReason?
    public var agentID: String?
    public var sttProvider: String?
    public var ttsProvider: String?
    public var transferTarget: TransferTarget?
    /// Free-form attributes (trunk, DID, dialplan context...). Never secrets.
    public var metadata: [String: String]
    /// Optimistic-concurrency version, incremented by the repository on every successful write.
    public var version: Int
    /// The daemon instance that owns the call.
    public var instanceID: InstanceID
    public var updatedAt: Timestamp
    /// The highest event `sequence` reserved for the call's events (nil before the first). A daemon that
    /// resumes or ends the call after a restart numbers its events above it, so that per-call order holds.
    public var eventSequence: Int?
    /// The conversation so far (redacted, the last `HistoryLine.limit` lines); nil before the first line.
    public var history: [HistoryLine]?

    public init(
        id: CallID, tenantID: TenantID, channelID: ChannelID, conversationID: ConversationID,
        direction: CallDirection, callerNumber: String, calleeNumber: String,
        instanceID: InstanceID, createdAt: Timestamp, metadata: [String: String] = [:]
    ) {
        self.id = id
        self.tenantID = tenantID
        self.channelID = channelID
        self.conversationID = conversationID
        self.direction = direction
        self.callerNumber = callerNumber
        self.calleeNumber = calleeNumber
        self.state = .ringing
        self.createdAt = createdAt
        self.metadata = metadata
        self.version = 0
        self.instanceID = instanceID
        self.updatedAt = createdAt
    }

    /// The operator's values of an outbound call (kept in `metadata` as `var.NAME`).
    public var variables: [String: String] {
        get {
            var values: [String: String] = [:]
            for (key, value) in metadata where key.hasPrefix("var.") { values[String(key.dropFirst(4))] = value }
            return values
        }
        set {
            metadata = metadata.filter { !$0.key.hasPrefix("var.") }
            for (key, value) in newValue { metadata["var.\(key)"] = value }
        }
    }

    /// Adds a line to the history, dropping the oldest beyond `HistoryLine.limit`.
    public mutating func remember(_ line: HistoryLine) {
        var lines = history ?? []
        lines.append(line)
        if lines.count > HistoryLine.limit { lines.removeFirst(lines.count - HistoryLine.limit) }
        history = lines
    }

    /// The channel was answered (inbound: by us; outbound: by the far end).
    public mutating func answer(at time: Timestamp) throws(CallError) -> [CallDomainEvent] {
        try move(to: .answered, at: time)
        answeredAt = time
        return [.answered(at: time)]
    }

    /// Media is flowing and the conversation runs.
    public mutating func activate(at time: Timestamp) throws(CallError) -> [CallDomainEvent] {
        try move(to: .active, at: time)
        return [.activated(at: time)]
    }

    /// A restarted daemon picked the call up again: whatever state it was left in (ringing, answered,
    /// an unfinished transfer), it is active again. Returns the transitions made on the way.
    public mutating func resume(at time: Timestamp) throws(CallError) -> [CallDomainEvent] {
        var events: [CallDomainEvent] = []
        if state == .ringing { events += try answer(at: time) }
        if state == .transferring { events += try abortTransfer(at: time) }
        if state == .answered { events += try activate(at: time) }
        guard state == .active else {
            throw CallError(.invalidTransition, callID: id, "cannot resume a call that is \(state.rawValue)")
        }
        return events
    }

    /// A transfer to `target` was started.
    public mutating func beginTransfer(to target: TransferTarget, at time: Timestamp) throws(CallError) -> [CallDomainEvent] {
        try move(to: .transferring, at: time)
        transferTarget = target
        return [.transferStarted(target, at: time)]
    }

    /// The transfer went through; the call has left the daemon.
    public mutating func completeTransfer(at time: Timestamp) throws(CallError) -> [CallDomainEvent] {
        try move(to: .transferred, at: time)
        endedAt = time
        endReason = .transferred
        return [.transferred(transferTarget, at: time)]
    }

    /// The transfer failed; the conversation resumes.
    public mutating func abortTransfer(at time: Timestamp) throws(CallError) -> [CallDomainEvent] {
        try move(to: .active, at: time)
        transferTarget = nil
        return [.activated(at: time)]
    }

    /// The call is over. Ending an already ended call is an error, so every path ends a call once.
    public mutating func end(reason: EndReason, at time: Timestamp) throws(CallError) -> [CallDomainEvent] {
        try move(to: .ended, at: time)
        endedAt = time
        endReason = reason
        return [.ended(reason: reason, duration: time.duration(since: answeredAt ?? createdAt), at: time)]
    }

    /// The call could not be set up or broke beyond repair.
    public mutating func fail(reason: String, at time: Timestamp) throws(CallError) -> [CallDomainEvent] {
        try move(to: .failed, at: time)
        endedAt = time
        endReason = .error
        return [.failed(reason: reason, at: time)]
    }

    private mutating func move(to next: CallState, at time: Timestamp) throws(CallError) {
        guard state.canTransition(to: next) else {
            throw CallError(.invalidTransition, callID: id, "cannot go from \(state.rawValue) to \(next.rawValue)")
        }
        state = next
        updatedAt = time
    }
}

/// What a transition of `Call` produced. `CallService` turns these into published `CallEvent`s.
public enum CallDomainEvent: Sendable, Hashable {
    case answered(at: Timestamp)
    case activated(at: Timestamp)
    case transferStarted(TransferTarget, at: Timestamp)
    case transferred(TransferTarget?, at: Timestamp)
    case ended(reason: EndReason, duration: Duration, at: Timestamp)
    case failed(reason: String, at: Timestamp)
}
