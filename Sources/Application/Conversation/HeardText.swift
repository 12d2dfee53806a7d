import Domain

/// What a caller heard of a sentence: all of it when it played to the end, else the words whose share of
/// the text matches the share of the audio that was played before the barge-in (a word counts once its
/// time has fully passed).
enum HeardText {
    static func prefix(of text: String, played: PlaybackOutcome?, audio: Duration) -> String {
        switch played {
        case .completed?: return text
        case nil: return ""
        case .interrupted(let sent)?:
            guard audio > .zero, sent > .zero else { return "" }
            let words = text.split(separator: " ")
            let share = min(1, sent / audio)
            let count = Int((Double(words.count) * share).rounded(.down))
            return words.prefix(count).joined(separator: " ")
        }
    }
}
