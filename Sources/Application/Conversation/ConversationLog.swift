import Domain
import Synchronization

/// The turns of a live conversation, shared between the tasks of a call and readable by queries.
public final class ConversationLog: Sendable {
    private let conversation: Mutex<Conversation>

    public init(id: ConversationID, callID: CallID) {
        conversation = Mutex(Conversation(id: id, callID: callID))
    }

    public func append(_ turn: Turn) { conversation.withLock { $0.append(turn) } }

    public func markInterrupted(at time: Timestamp) {
        conversation.withLock { $0.markLastAgentTurnInterrupted(at: time) }
    }

    /// A copy of the conversation so far.
    public var snapshot: Conversation { conversation.withLock { $0 } }
}
