/// One AudioSocket frame (chan_audiosocket): 1 byte kind, 2 bytes payload length (big-endian), payload.
public struct AudioSocketFrame: Sendable, Hashable {
    /// The frame kinds Asterisk defines.
    public struct Kind: RawRepresentable, Sendable, Hashable {
        /// The kind byte on the wire.
        public let rawValue: UInt8
        /// Any kind byte (unknown ones are refused by `parse`).
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// The other side hangs up (Asterisk itself just closes the connection).
        public static let hangup = Kind(rawValue: 0x00)
        /// 16-byte call UUID, the first frame of a connection.
        public static let uuid = Kind(rawValue: 0x01)
        /// One DTMF digit as an ASCII byte (dialplan mode).
        public static let dtmf = Kind(rawValue: 0x03)
        /// Signed linear 8 kHz, little-endian.
        public static let slin8 = Kind(rawValue: 0x10)
        /// Signed linear at 12, 24, 32, 44.1, 48, 96 and 192 kHz, little-endian.
        public static let slin12 = Kind(rawValue: 0x11)
        /// Signed linear 16 kHz, little-endian (ARI `format=slin16`).
        public static let slin16 = Kind(rawValue: 0x12)
        public static let slin24 = Kind(rawValue: 0x13)
        public static let slin32 = Kind(rawValue: 0x14)
        public static let slin44 = Kind(rawValue: 0x15)
        public static let slin48 = Kind(rawValue: 0x16)
        public static let slin96 = Kind(rawValue: 0x17)
        public static let slin192 = Kind(rawValue: 0x18)
        /// An error code from Asterisk.
        public static let error = Kind(rawValue: 0xFF)

        /// The sample rate of an audio kind; nil for control kinds.
        public var sampleRate: Int? {
            switch rawValue {
            case 0x10: 8_000
            case 0x11: 12_000
            case 0x12: 16_000
            case 0x13: 24_000
            case 0x14: 32_000
            case 0x15: 44_100
            case 0x16: 48_000
            case 0x17: 96_000
            case 0x18: 192_000
            default: nil
            }
        }

        /// The audio kind for a sample rate.
        public static func audio(rate: Int) -> Kind? {
            switch rate {
            case 8_000: .slin8
            case 16_000: .slin16
            case 24_000: .slin24
            case 48_000: .slin48
            default: nil
            }
        }
    }

    /// What the frame carries.
    public var kind: Kind
    /// The bytes after the 3-byte header.
    public var payload: [UInt8]

    /// A frame; `payload` must fit in 65535 bytes.
    public init(kind: Kind, payload: [UInt8]) {
        self.kind = kind
        self.payload = payload
    }

    /// The largest payload the daemon accepts: 20 ms at 48 kHz is 1920 bytes; anything bigger than a
    /// few frames is a broken or hostile peer.
    public static let maxPayload = 8_192

    /// Why bytes are not an AudioSocket stream. Stable strings: they are metric labels.
    public enum ParseError: String, Error, Sendable, Hashable, CaseIterable {
        case oversized = "oversized_frame"
        case unknownKind = "unknown_kind"
        case badUUID = "bad_uuid"
    }

    /// Parses one frame from the front of `bytes`: the frame and how many bytes it took, nil when more
    /// bytes are needed.
    public static func parse(_ bytes: some RandomAccessCollection<UInt8>) throws(ParseError) -> (frame: AudioSocketFrame, consumed: Int)? {
        guard bytes.count >= 3 else { return nil }
        let start = bytes.startIndex
        let kind = Kind(rawValue: bytes[start])
        let length = Int(bytes[bytes.index(start, offsetBy: 1)]) << 8 | Int(bytes[bytes.index(start, offsetBy: 2)])
        guard length <= maxPayload else { throw .oversized }
        guard [0x00, 0x01, 0x03, 0xFF].contains(kind.rawValue) || kind.sampleRate != nil else { throw .unknownKind }
        guard bytes.count >= 3 + length else { return nil }
        let payloadStart = bytes.index(start, offsetBy: 3)
        let payload = Array(bytes[payloadStart..<bytes.index(payloadStart, offsetBy: length)])
        if kind == .uuid, length != 16 { throw .badUUID }
        return (AudioSocketFrame(kind: kind, payload: payload), 3 + length)
    }

    /// The frame's bytes.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        write(into: &out)
        return out
    }

    /// Appends the frame's bytes to `out`.
    public func write(into out: inout [UInt8]) {
        out.reserveCapacity(out.count + 3 + payload.count)
        out.append(kind.rawValue)
        out.append(UInt8((payload.count >> 8) & 0xFF))
        out.append(UInt8(payload.count & 0xFF))
        out.append(contentsOf: payload)
    }

    /// The UUID frame's payload as the canonical lower-case text form.
    public var uuidString: String? {
        guard kind == .uuid, payload.count == 16 else { return nil }
        let hex = payload.map { byte -> String in
            let s = String(byte, radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined()
        let c = Array(hex)
        return String(c[0..<8]) + "-" + String(c[8..<12]) + "-" + String(c[12..<16]) + "-" + String(c[16..<20]) + "-" + String(c[20..<32])
    }

    /// A UUID frame for `uuid` (text form, with or without dashes); nil if it is not 32 hex digits.
    public static func uuid(_ uuid: String) -> AudioSocketFrame? {
        let hex = Array(uuid.lowercased().filter { $0 != "-" })
        guard hex.count == 32 else { return nil }
        var bytes: [UInt8] = []
        for i in stride(from: 0, to: 32, by: 2) {
            guard let byte = UInt8(String(hex[i..<(i + 2)]), radix: 16) else { return nil }
            bytes.append(byte)
        }
        return AudioSocketFrame(kind: .uuid, payload: bytes)
    }
}
