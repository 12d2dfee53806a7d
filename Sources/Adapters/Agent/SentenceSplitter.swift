/// Cuts streamed text into sentences as it arrives, so the first sentence of a reply is spoken while the
/// rest is still being generated.
///
/// A sentence ends at `.`, `!`, `?` or `…` (with closing quotes or brackets) followed by white space, or at
/// a line break. Not at a decimal point ("3.5"), an abbreviation ("Mr.", "e.g.") or an initial ("J. Smith").
/// A sentence shorter than `minimumCharacters` is kept and joined to the next one, so that "Sure." does
/// not become a synthesis request of its own.
public struct SentenceSplitter: Sendable {
    private var pending = ""
    private let minimumCharacters: Int

    static let abbreviations: Set<String> = [
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "e.g", "i.e", "no", "approx", "dept", "inc", "ltd", "co",
    ]

    public init(minimumCharacters: Int = 12) { self.minimumCharacters = minimumCharacters }

    /// Adds `text`; returns the sentences it completed (trimmed, never empty).
    public mutating func add(_ text: String) -> [String] {
        pending += text
        var sentences: [String] = []
        while let end = nextBoundary() {
            let sentence = pending[..<end].trimmingWhitespace()
            pending = String(pending[end...])
            if !sentence.isEmpty { sentences.append(sentence) }
        }
        return sentences
    }

    /// The rest, when the stream has ended.
    public mutating func finish() -> String? {
        defer { pending = "" }
        let rest = pending.trimmingWhitespace()
        return rest.isEmpty ? nil : rest
    }

    /// The index just after the first sentence end in `pending` that is followed by white space and
    /// leaves a sentence of at least `minimumCharacters`; nil when none is complete yet.
    private func nextBoundary() -> String.Index? {
        var index = pending.startIndex
        while index < pending.endIndex {
            let character = pending[index]
            let next = pending.index(after: index)
            if character == "\n", pending.distance(from: pending.startIndex, to: index) > 0 {
                if !pending[..<index].trimmingWhitespace().isEmpty { return next }
            }
            if ".!?…".contains(character) {
                var end = next
                while end < pending.endIndex, "\"')]»”’".contains(pending[end]) { end = pending.index(after: end) }
                guard end < pending.endIndex else { return nil }  // wait for what follows
                if pending[end].isWhitespace, !isAbbreviation(before: index, mark: character),
                   pending.distance(from: pending.startIndex, to: end) >= minimumCharacters {
                    return end
                }
            }
            index = next
        }
        return nil
    }

    private func isAbbreviation(before mark: String.Index, mark character: Character) -> Bool {
        guard character == "." else { return false }
        var start = mark
        while start > pending.startIndex {
            let previous = pending.index(before: start)
            if pending[previous].isWhitespace { break }
            start = previous
        }
        let word = pending[start..<mark].lowercased()
        if word.count == 1, word.first?.isLetter == true { return true }  // an initial
        return Self.abbreviations.contains(word)
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}
