/// One line of a call's conversation history as the call state keeps it: who spoke and what (redacted;
/// keyed digits only as their count), so that a call resumed after a restart carries on with its context.
public struct HistoryLine: Sendable, Hashable, Codable {
    public var speaker: Speaker
    public var text: String
    public var at: Timestamp

    public init(speaker: Speaker, text: String, at: Timestamp) {
        self.speaker = speaker
        self.text = text
        self.at = at
    }

    /// The most lines a call keeps (the oldest go first).
    public static let limit = 50
}
