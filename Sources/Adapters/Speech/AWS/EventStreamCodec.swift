// AWS event stream encoding (application/vnd.amazon.eventstream), used by Transcribe streaming:
// each message is [total length u32][headers length u32][prelude CRC32 u32][headers][payload][message CRC32 u32],
// big-endian, CRC32 (IEEE) of the prelude and of everything before the message CRC; a header is
// [name length u8][name][type u8][value] with type 7 = string ([u16 length][UTF-8]).
// Reference: https://docs.aws.amazon.com/transcribe/latest/dg/event-stream.html
/// One event-stream message.
public struct EventStreamMessage: Sendable, Hashable {
    public var headers: [String: String]
    public var payload: [UInt8]

    public init(headers: [String: String], payload: [UInt8]) {
        self.headers = headers
        self.payload = payload
    }

    /// An `AudioEvent` carrying `payload` (PCM16 LE); an empty payload ends the audio stream.
    public static func audioEvent(_ payload: [UInt8]) -> EventStreamMessage {
        EventStreamMessage(
            headers: [":content-type": "application/octet-stream", ":event-type": "AudioEvent", ":message-type": "event"], payload: payload)
    }

    /// The wire form (string headers, in name order so the output is stable).
    public func encoded() -> [UInt8] {
        var headerBytes: [UInt8] = []
        for name in headers.keys.sorted() {
            let nameBytes = Array(name.utf8)
            let valueBytes = Array(headers[name]!.utf8)
            headerBytes.append(UInt8(nameBytes.count))
            headerBytes += nameBytes
            headerBytes.append(7)
            headerBytes += [UInt8(valueBytes.count >> 8), UInt8(valueBytes.count & 0xFF)]
            headerBytes += valueBytes
        }
        let total = 16 + headerBytes.count + payload.count
        var out: [UInt8] = []
        out.reserveCapacity(total)
        out += Self.u32(total)
        out += Self.u32(headerBytes.count)
        out += Self.u32(Int(CRC32.checksum(out)))
        out += headerBytes
        out += payload
        out += Self.u32(Int(CRC32.checksum(out)))
        return out
    }

    /// Decodes one complete message, checking both CRCs. Non-string headers are kept as text.
    public static func decode(_ bytes: [UInt8]) throws(EventStreamError) -> EventStreamMessage {
        guard bytes.count >= 16 else { throw EventStreamError("message shorter than its prelude (\(bytes.count) bytes)") }
        let total = readU32(bytes, 0)
        let headersLength = readU32(bytes, 4)
        guard total == bytes.count else { throw EventStreamError("length field \(total) but \(bytes.count) bytes") }
        guard headersLength <= total - 16 else { throw EventStreamError("headers length \(headersLength) exceeds the message") }
        guard CRC32.checksum(bytes[0..<8]) == UInt32(readU32(bytes, 8)) else { throw EventStreamError("prelude CRC mismatch") }
        guard CRC32.checksum(bytes[0..<(total - 4)]) == UInt32(readU32(bytes, total - 4)) else { throw EventStreamError("message CRC mismatch") }
        var headers: [String: String] = [:]
        var at = 12
        let end = 12 + headersLength
        func need(_ n: Int) throws(EventStreamError) { if at + n > end { throw EventStreamError("header truncated") } }
        while at < end {
            try need(1)
            let nameLength = Int(bytes[at]); at += 1
            try need(nameLength + 1)
            let name = String(decoding: bytes[at..<at + nameLength], as: UTF8.self); at += nameLength
            let type = bytes[at]; at += 1
            switch type {
            case 0: headers[name] = "true"
            case 1: headers[name] = "false"
            case 2: try need(1); headers[name] = String(Int8(bitPattern: bytes[at])); at += 1
            case 3: try need(2); at += 2
            case 4: try need(4); headers[name] = String(readU32(bytes, at)); at += 4
            case 5, 8: try need(8); at += 8
            case 6, 7:
                try need(2)
                let length = Int(bytes[at]) << 8 | Int(bytes[at + 1]); at += 2
                try need(length)
                headers[name] = String(decoding: bytes[at..<at + length], as: UTF8.self); at += length
            case 9: try need(16); at += 16
            default: throw EventStreamError("unknown header type \(type)")
            }
        }
        return EventStreamMessage(headers: headers, payload: Array(bytes[end..<(total - 4)]))
    }

    private static func u32(_ value: Int) -> [UInt8] {
        [UInt8(value >> 24 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    private static func readU32(_ bytes: [UInt8], _ at: Int) -> Int {
        Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
    }
}

/// What is wrong with an event-stream message.
public struct EventStreamError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as zlib computes it.
public enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { i in
        var c = UInt32(i)
        for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    public static func checksum<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}
