import Domain
import Synchronization

/// The turns of a live conversation, shared between the tasks of a call and readable by queries. Each
/// appended turn is also handed on, as a redacted history line, to `lines` (the call service keeps them
/// in the call state).
public final class ConversationLog: Sendable {
    private let conversation: Mutex<Conversation>
    /// The history lines of the turns appended, in order, until `close()`.
    public let lines: AsyncStream<HistoryLine>
    private let feed: AsyncStream<HistoryLine>.Continuation

    public init(id: ConversationID, callID: CallID) {
        conversation = Mutex(Conversation(id: id, callID: callID))
        (lines, feed) = AsyncStream.makeStream(of: HistoryLine.self, bufferingPolicy: .unbounded)
    }

    public func append(_ turn: Turn) {
        conversation.withLock { $0.append(turn) }
        feed.yield(Self.line(of: turn))
    }

    /// Puts back the turns of a call resumed after a restart (not handed on again).
    public func restore(_ history: [HistoryLine]) {
        conversation.withLock { conversation in
            for line in history { conversation.append(Turn(speaker: line.speaker, text: line.text, startedAt: line.at)) }
        }
    }

    public func markInterrupted(at time: Timestamp) {
        conversation.withLock { $0.markLastAgentTurnInterrupted(at: time) }
    }

    /// No more turns will be handed on.
    public func close() { feed.finish() }

    /// A copy of the conversation so far.
    public var snapshot: Conversation { conversation.withLock { $0 } }

    /// The history line of `turn`: its text redacted, keyed digits only counted (they may be a PIN).
    static func line(of turn: Turn) -> HistoryLine {
        var text = Redactor.redact(turn.text)
        if let digits = turn.dtmf, !digits.isEmpty {
            text = (text.isEmpty ? "" : text + " ") + "(keyed \(digits.count) digit\(digits.count == 1 ? "" : "s"))"
        }
        return HistoryLine(speaker: turn.speaker, text: text, at: turn.startedAt)
    }
}
