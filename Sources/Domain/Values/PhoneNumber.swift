/// A telephone number in E.164 form (`+` then 2 to 15 digits, no leading zero).
public struct PhoneNumber: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The canonical `+CCNNNN` text.
    public let e164: String

    /// Validates and normalises `text`: spaces, dashes, dots and parentheses are removed; a leading `00`
    /// becomes `+`. Throws `PhoneNumber.Invalid` when the result is not E.164.
    public init(_ text: String) throws(PhoneNumber.Invalid) {
        var cleaned = text.filter { !" -.()".contains($0) }
        if cleaned.hasPrefix("00") { cleaned = "+" + cleaned.dropFirst(2) }
        guard cleaned.hasPrefix("+") else { throw Invalid(text: text, reason: "must start with + and a country code") }
        let digits = cleaned.dropFirst()
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { throw Invalid(text: text, reason: "only digits may follow +") }
        guard (2...15).contains(digits.count) else { throw Invalid(text: text, reason: "needs 2 to 15 digits") }
        guard digits.first != "0" else { throw Invalid(text: text, reason: "country code cannot start with 0") }
        self.e164 = cleaned
    }

    public var description: String { e164 }

    /// Why a text is not an E.164 number.
    public struct Invalid: Error, Hashable, Sendable, CustomStringConvertible {
        public let text: String
        public let reason: String
        public var description: String { "invalid phone number '\(text)': \(reason)" }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do { try self.init(text) } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(e164)
    }
}

/// Where a call can be transferred: an ACD queue, an internal extension, or an external number.
public enum TransferTarget: Hashable, Sendable, Codable, CustomStringConvertible {
    case queue(String)
    case `extension`(String)
    case external(PhoneNumber)

    /// The number of an external target.
    public var externalNumber: PhoneNumber? {
        if case .external(let number) = self { return number }
        return nil
    }

    public var description: String {
        switch self {
        case .queue(let name): "queue:\(name)"
        case .extension(let ext): "extension:\(ext)"
        case .external(let number): "external:\(number)"
        }
    }
}
