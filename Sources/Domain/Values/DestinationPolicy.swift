/// Which external numbers calls may be sent to (transfers and, later, outbound calls): a pattern is an
/// exact E.164 number (`+15551234567`) or a prefix ending in `*` (`+1555*`). No pattern allows nothing:
/// premium and international numbers are out unless listed, which is what stops toll fraud.
public struct DestinationPolicy: Sendable, Hashable {
    public let patterns: [String]

    /// Validates each pattern: `+`, then digits, optionally ending in `*`.
    public init(patterns: [String]) throws(PhoneNumber.Invalid) {
        for pattern in patterns {
            let body = pattern.hasSuffix("*") ? pattern.dropLast() : Substring(pattern)
            guard body.hasPrefix("+"), body.count >= 2, body.dropFirst().allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw PhoneNumber.Invalid(text: pattern, reason: "a destination pattern is +digits, optionally ending in *")
            }
        }
        self.patterns = patterns
    }

    /// Nothing allowed.
    public static let none = try! DestinationPolicy(patterns: [])

    /// Whether `number` matches a pattern.
    public func allows(_ number: PhoneNumber) -> Bool {
        patterns.contains { pattern in
            pattern.hasSuffix("*") ? number.e164.hasPrefix(pattern.dropLast()) : number.e164 == pattern
        }
    }
}
