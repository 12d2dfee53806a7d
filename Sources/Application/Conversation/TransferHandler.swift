import Domain

/// Carries out a transfer the conversation asked for while the conversation waits, so that a transfer
/// that fails brings the caller back to the agent (never silence or a hangup).
public struct TransferHandler: Sendable {
    /// How an attempt ended.
    public enum Result: Sendable, Hashable {
        /// The caller has been handed on; the conversation is over.
        case completed
        /// The caller is still here: the conversation says `line` and goes on.
        case failed(line: String)
    }

    /// Attempts `request`; `say` speaks a line to the caller meanwhile (the hold line of a warm transfer).
    public let attempt: @Sendable (TransferRequest, _ say: @escaping @Sendable (String) async -> Void) async -> Result

    public init(attempt: @escaping @Sendable (TransferRequest, _ say: @escaping @Sendable (String) async -> Void) async -> Result) {
        self.attempt = attempt
    }
}
