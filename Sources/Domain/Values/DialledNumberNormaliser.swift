/// Brings a dialled number (the DID Asterisk hands over, a number in a tenants file or from the tenant
/// manager) to one canonical text, so that `+1 (555) 123-4567`, `0015551234567` and, with default country
/// code 1, `5551234567` all look up the same tenant.
///
/// Rules, in order (`normalise` never fails: what it cannot read as a number comes back unchanged):
/// 1. Spaces, tabs, dashes, dots and parentheses are removed; what is left must be digits, optionally
///    after one leading `+`, else the text is returned as given (`s`, `support`, `*98`).
/// 2. `+digits` is kept; `00digits` becomes `+digits` (the international prefix).
/// 3. With no default country code, other digit strings are kept as they are.
/// 4. Digit strings shorter than `nationalMinimum` (7) are extensions or short codes: kept (`100`, `1000`).
/// 5. A national number drops its trunk prefix and gets `+` and the default country code: the trunk prefix
///    is `0` for most countries, `1` for the North American plan (country code 1: `5551234567` and
///    `15551234567` are both `+15551234567`, `011` is its international prefix, other lengths are kept), `8` for 7, `06` for 36, and none
///    for 39, 378 and 379 (Italian numbers keep their leading 0). An international number written
///    without `+` or `00` cannot be told from a national one: it is read as national.
public struct DialledNumberNormaliser: Sendable, Hashable {
    /// The country code national numbers belong to (digits, `1` or `44`); nil: national numbers are kept.
    public let defaultCountryCode: String?

    /// Digit strings shorter than this are extensions or short codes.
    public static let nationalMinimum = 7

    /// `defaultCountryCode`: 1 to 3 digits, not starting with 0 (a leading `+` is accepted); nil or
    /// empty for none. Throws `PhoneNumber.Invalid` for anything else.
    public init(defaultCountryCode: String? = nil) throws(PhoneNumber.Invalid) {
        guard var code = defaultCountryCode, !code.isEmpty else {
            self.defaultCountryCode = nil
            return
        }
        if code.hasPrefix("+") { code.removeFirst() }
        guard (1...3).contains(code.count), code.allSatisfy(Self.isDigit), code.first != "0" else {
            throw PhoneNumber.Invalid(text: defaultCountryCode ?? "", reason: "a country code is 1 to 3 digits, not starting with 0")
        }
        self.defaultCountryCode = code
    }

    /// No default country code: punctuation and `00` only.
    public static let international = try! DialledNumberNormaliser()

    /// The canonical form of `text` (see the rules above).
    public func normalise(_ text: String) -> String {
        let cleaned = text.filter { !" \t-.()".contains($0) }
        let international = cleaned.hasPrefix("+")
        let digits = international ? String(cleaned.dropFirst()) : cleaned
        guard !digits.isEmpty, digits.allSatisfy(Self.isDigit) else { return text }
        if international { return "+" + digits }
        if digits.hasPrefix("00"), digits.count > 2 { return "+" + digits.dropFirst(2) }
        guard let code = defaultCountryCode, digits.count >= Self.nationalMinimum else { return digits }
        if code == "1" {
            // North America: 011 is the international prefix; national numbers have ten digits, optionally
            // after the trunk prefix 1.
            if digits.hasPrefix("011") { return "+" + digits.dropFirst(3) }
            if digits.count == 10 { return "+1" + digits }
            if digits.count == 11, digits.hasPrefix("1") { return "+" + digits }
            return digits
        }
        let prefix = Self.trunkPrefixes[code] ?? "0"
        let national = !prefix.isEmpty && digits.hasPrefix(prefix) ? String(digits.dropFirst(prefix.count)) : digits
        return "+" + code + national
    }

    /// Trunk prefixes that are not `0` (the empty string: none).
    static let trunkPrefixes: [String: String] = ["7": "8", "36": "06", "39": "", "378": "", "379": ""]

    private static func isDigit(_ character: Character) -> Bool { character.isASCII && character.isNumber }
}
