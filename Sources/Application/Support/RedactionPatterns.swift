import Synchronization

/// The operator's own redaction patterns (`redaction.patterns`): regular expressions whose matches are
/// replaced by `[redacted]` wherever `Redactor` masks card numbers (transcripts, agent replies, events,
/// logs, call state, transfer summaries). Configured once at start-up by the composition root.
public enum RedactionPatterns {
    /// What a match becomes.
    public static let mask = "[redacted]"

    /// Compiled regexes, never mutated once built (a `Regex` is a value, safe to share).
    private final class Compiled: @unchecked Sendable {
        let regexes: [Regex<AnyRegexOutput>]
        init(_ regexes: [Regex<AnyRegexOutput>]) { self.regexes = regexes }
    }

    private static let compiled = Mutex(Compiled([]))

    /// A pattern that does not compile.
    public struct Invalid: Error, Sendable, Hashable {
        public let index: Int
        public let message: String
    }

    /// Compiles `patterns` (all or none) and makes them the ones applied.
    public static func configure(_ patterns: [String]) throws(Invalid) {
        let built = Compiled(try compile(patterns))
        compiled.withLock { $0 = built }
    }

    /// Checks that `patterns` compile and match something.
    public static func check(_ patterns: [String]) throws(Invalid) {
        _ = try compile(patterns)
    }

    private static func compile(_ patterns: [String]) throws(Invalid) -> [Regex<AnyRegexOutput>] {
        var regexes: [Regex<AnyRegexOutput>] = []
        for (index, pattern) in patterns.enumerated() {
            guard !pattern.isEmpty else { throw Invalid(index: index, message: "an empty pattern matches everywhere") }
            do { regexes.append(try Regex(pattern)) } catch { throw Invalid(index: index, message: "not a regular expression: \(error)") }
            if "".contains(regexes[index]) { throw Invalid(index: index, message: "matches the empty string") }
        }
        return regexes
    }

    /// `text` with every configured pattern's matches masked.
    static func apply(_ text: String) -> String {
        let regexes = compiled.withLock { $0 }.regexes
        guard !regexes.isEmpty else { return text }
        var out = text
        for regex in regexes { out = out.replacing(regex, with: mask) }
        return out
    }
}
