/// The conversation held on one call: its turns in order.
public struct Conversation: Sendable, Hashable, Codable {
    public let id: ConversationID
    public let callID: CallID
    public private(set) var turns: [Turn]

    public init(id: ConversationID, callID: CallID, turns: [Turn] = []) {
        self.id = id
        self.callID = callID
        self.turns = turns
    }

    /// Appends a turn. Turns are kept in the order they started.
    public mutating func append(_ turn: Turn) {
        turns.append(turn)
    }

    /// Marks the last agent turn as cut short by the caller (barge-in).
    public mutating func markLastAgentTurnInterrupted(at time: Timestamp) {
        guard let index = turns.lastIndex(where: { $0.speaker == .agent }) else { return }
        turns[index].interrupted = true
        turns[index].endedAt = time
    }

    /// The transcript as `speaker: text` lines.
    public var transcript: [String] { turns.map { "\($0.speaker.rawValue): \($0.text)" } }
}
