import Foundation

/// One Asterisk Manager Interface message: a response, an event, or the connection's banner. AMI is
/// `Key: Value` lines ending in CRLF, a blank line ending the message; keys are case-insensitive.
public struct AMIMessage: Sendable, Hashable {
    /// The lines in order (keys as sent).
    public var fields: [Field]

    public struct Field: Sendable, Hashable {
        public var key: String
        public var value: String
    }

    public init(_ fields: [(String, String)]) {
        self.fields = fields.map { Field(key: $0.0, value: $0.1) }
    }

    /// The first value of `key`, compared case-insensitively.
    public subscript(key: String) -> String? {
        fields.first { $0.key.caseInsensitiveCompare(key) == .orderedSame }?.value
    }

    /// `Event: Hangup`...
    public var event: String? { self["Event"] }
    /// `Success`, `Error`, `Goodbye`.
    public var response: String? { self["Response"] }
    public var actionID: String? { self["ActionID"] }

    /// The text of a message (`Key: Value` lines, then a blank line). Values must not contain CR or LF:
    /// an action carrying one could smuggle a second action, so they are replaced by spaces.
    public var wire: String {
        fields.map { "\($0.key): \($0.value.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " "))\r\n" }.joined() + "\r\n"
    }

    /// Parses the text of one message (without its blank line). Lines without `": "` are kept under the
    /// key `Output` (the output of a `Command`).
    public static func parse(_ text: Substring) -> AMIMessage {
        var fields: [(String, String)] = []
        for line in text.split(separator: "\r\n", omittingEmptySubsequences: true) {
            if let colon = line.firstIndex(of: ":") {
                let value = line[line.index(after: colon)...].drop { $0 == " " }
                fields.append((String(line[..<colon]), String(value)))
            } else {
                fields.append(("Output", String(line)))
            }
        }
        return AMIMessage(fields)
    }
}
