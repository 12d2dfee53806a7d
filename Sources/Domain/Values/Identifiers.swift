/// A string-backed identifier. Each kind of id is its own type so that a channel id can never be
/// passed where a call id is expected.
public protocol StringIdentifier: RawRepresentable, Hashable, Sendable, Codable, Comparable,
    CustomStringConvertible, ExpressibleByStringLiteral where RawValue == String
{
    init(rawValue: String)
}

extension StringIdentifier {
    public init(_ value: String) { self.init(rawValue: value) }
    public init(stringLiteral value: String) { self.init(rawValue: value) }
    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// A new random identifier (a version 4 UUID in canonical text form).
    public static func random() -> Self { Self(rawValue: UUIDv4.random()) }
}

/// The daemon's id of a call (a UUID), stable across restarts and instances.
public struct CallID: StringIdentifier { public let rawValue: String; public init(rawValue: String) { self.rawValue = rawValue } }
/// A tenant (customer) of the platform.
public struct TenantID: StringIdentifier { public let rawValue: String; public init(rawValue: String) { self.rawValue = rawValue } }
/// An Asterisk channel id (`1795340170.1`).
public struct ChannelID: StringIdentifier { public let rawValue: String; public init(rawValue: String) { self.rawValue = rawValue } }
/// An Asterisk bridge id.
public struct BridgeID: StringIdentifier { public let rawValue: String; public init(rawValue: String) { self.rawValue = rawValue } }
/// The conversation held on a call.
public struct ConversationID: StringIdentifier { public let rawValue: String; public init(rawValue: String) { self.rawValue = rawValue } }
/// One running daemon process.
public struct InstanceID: StringIdentifier { public let rawValue: String; public init(rawValue: String) { self.rawValue = rawValue } }
/// A published event.
public struct EventID: StringIdentifier { public let rawValue: String; public init(rawValue: String) { self.rawValue = rawValue } }

/// Version 4 UUIDs from the system's cryptographic random source, without Foundation.
public enum UUIDv4 {
    /// A random UUID such as `6f1c1b3e-5b1a-4d3c-9f7e-2a8b9c0d1e2f`.
    public static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    /// A UUID drawn from `generator` (tests pass a seeded one).
    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> String {
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = Array("0123456789abcdef")
        var out = ""
        out.reserveCapacity(36)
        for (index, byte) in bytes.enumerated() {
            if index == 4 || index == 6 || index == 8 || index == 10 { out.append("-") }
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0x0F)])
        }
        return out
    }

    /// Whether `text` is a canonical UUID (any version).
    public static func isValid(_ text: String) -> Bool {
        let chars = Array(text.utf8)
        guard chars.count == 36 else { return false }
        for (index, c) in chars.enumerated() {
            if index == 8 || index == 13 || index == 18 || index == 23 {
                if c != UInt8(ascii: "-") { return false }
            } else if !((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70)) {
                return false
            }
        }
        return true
    }
}
