import Domain

/// What a caller heard of a sentence: all of it when it played to the end (or all but its last 5%, which
/// is mostly the synthesizer's trailing silence), else the words whose share of the text matches the share
/// of the audio played before the barge-in (a word counts once more than half of its time has passed).
enum HeardText {
    static func prefix(of text: String, played: PlaybackOutcome?, audio: Duration) -> String {
        switch played {
        case .completed?: return text
        case nil: return ""
        case .interrupted(let sent)?:
            guard audio > .zero, sent > .zero else { return "" }
            let words = text.split(separator: " ")
            let share = min(1, sent / audio)
            guard share < 0.95 else { return text }
            let count = Int((Double(words.count) * share).rounded(.toNearestOrAwayFromZero))
            return words.prefix(count).joined(separator: " ")
        }
    }
}
