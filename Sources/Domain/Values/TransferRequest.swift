/// How a caller is handed on.
public enum TransferMode: String, Sendable, Hashable, CaseIterable, Codable {
    /// The channel continues in the dialplan towards the target at once (ARI `continue`); the daemon is
    /// done with it.
    case blind
    /// The daemon calls the target first, tells the person who answers what the call is about, then
    /// bridges the caller with them and leaves; nobody answering brings the caller back to the agent.
    case warm
}

/// A transfer the agent or an operator asked for.
public struct TransferRequest: Sendable, Hashable, CustomStringConvertible {
    /// Who asked.
    public enum Origin: String, Sendable, Hashable {
        case agent
        case `operator`
    }

    public var target: TransferTarget
    /// nil: the tenant's `transfer_mode`, else `calls.transfer.mode`.
    public var mode: TransferMode?
    public var origin: Origin
    /// Why, in a few words (the operator's `reason`); passed to the human with the summary.
    public var reason: String?

    public init(target: TransferTarget, mode: TransferMode? = nil, origin: Origin = .agent, reason: String? = nil) {
        self.target = target
        self.mode = mode
        self.origin = origin
        self.reason = reason
    }

    /// `queue:billing`, with the mode and the reason when given (`queue:billing warm (asked)`).
    public var description: String {
        "\(target)" + (mode.map { " \($0.rawValue)" } ?? "") + (reason.map { " (\($0))" } ?? "")
    }
}
