/// How an outbound call's number becomes an Asterisk dial string: `PJSIP/{to}@trunk` gives
/// `PJSIP/+15551234567@trunk`. `{to}` is the E.164 number, `{to_digits}` the same without `+`.
public struct DialTemplate: Sendable, Hashable, CustomStringConvertible {
    public let text: String

    /// Validates `text`: `TECH/resource` with `{to}` or `{to_digits}` in it, printable ASCII, no spaces,
    /// no `&` or `,` (which would split the ARI query or the dial string).
    public init(_ text: String) throws(PhoneNumber.Invalid) {
        func invalid(_ reason: String) -> PhoneNumber.Invalid { PhoneNumber.Invalid(text: text, reason: reason) }
        guard let slash = text.firstIndex(of: "/"), slash != text.startIndex else { throw invalid("a dial template is TECH/resource") }
        guard text.contains("{to}") || text.contains("{to_digits}") else { throw invalid("a dial template needs {to} or {to_digits}") }
        guard text.count <= 200, text.allSatisfy({ $0.isASCII && $0.isPrintable && !" &,;".contains($0) }) else {
            throw invalid("a dial template is printable ASCII without spaces, '&', ',' or ';'")
        }
        self.text = text
    }

    /// The daemon's default: `PJSIP/{to}@trunk`.
    public static let standard = try! DialTemplate("PJSIP/{to}@trunk")

    /// The dial string for `number`.
    public func endpoint(for number: PhoneNumber) -> String {
        text.replacing("{to_digits}", with: number.e164.dropFirst()).replacing("{to}", with: number.e164)
    }

    public var description: String { text }
}

extension Character {
    fileprivate var isPrintable: Bool { asciiValue.map { $0 >= 0x21 && $0 < 0x7F } ?? false }
}
