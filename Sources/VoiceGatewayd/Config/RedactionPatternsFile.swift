import Application
import Foundation

/// `redaction.patterns_file`: the operator's regular expressions, one per line; blank lines and lines
/// starting with `#` are skipped. Each must compile and must not match the empty string.
enum RedactionPatternsFile {
    static let key = "redaction.patterns_file"

    /// The patterns of the file at `path` ("" for none), checked; a bad one names its line.
    static func load(_ path: String) throws(ConfigError) -> [String] {
        guard !path.isEmpty else { return [] }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw ConfigError(key: key, message: "cannot read \(path)") }
        return try parse(text)
    }

    static func parse(_ text: String) throws(ConfigError) -> [String] {
        var patterns: [String] = []
        var lines: [Int] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let pattern = line.trimmingCharacters(in: .whitespaces)
            guard !pattern.isEmpty, !pattern.hasPrefix("#") else { continue }
            patterns.append(pattern)
            lines.append(number + 1)
        }
        do { try RedactionPatterns.check(patterns) } catch {
            throw ConfigError(key: key, message: "line \(lines[error.index]): \(error.message)")
        }
        return patterns
    }
}
