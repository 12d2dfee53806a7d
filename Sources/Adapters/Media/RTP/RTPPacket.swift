/// An RTP packet (RFC 3550) as a value: parsed from and written to bytes.
public struct RTPPacket: Sendable, Hashable {
    public var marker: Bool
    public var payloadType: UInt8
    public var sequenceNumber: UInt16
    public var timestamp: UInt32
    public var ssrc: UInt32
    public var csrcs: [UInt32]
    /// Header extension (profile, data) if present.
    public var extensionProfile: UInt16?
    public var extensionData: [UInt8]
    public var payload: [UInt8]
    /// Padding bytes after the payload (they are not part of `payload`).
    public var paddingCount: Int

    public init(
        marker: Bool = false, payloadType: UInt8, sequenceNumber: UInt16, timestamp: UInt32, ssrc: UInt32,
        csrcs: [UInt32] = [], extensionProfile: UInt16? = nil, extensionData: [UInt8] = [], payload: [UInt8], paddingCount: Int = 0
    ) {
        self.marker = marker
        self.payloadType = payloadType
        self.sequenceNumber = sequenceNumber
        self.timestamp = timestamp
        self.ssrc = ssrc
        self.csrcs = csrcs
        self.extensionProfile = extensionProfile
        self.extensionData = extensionData
        self.payload = payload
        self.paddingCount = paddingCount
    }

    /// Why bytes are not an RTP packet. Stable strings: they are metric labels.
    public enum ParseError: String, Error, Sendable, Hashable, CaseIterable {
        case tooShort = "too_short"
        case wrongVersion = "wrong_version"
        case csrcPastEnd = "csrc_past_end"
        case extensionPastEnd = "extension_past_end"
        case badPadding = "bad_padding"
        /// RTCP multiplexed on the RTP port (RFC 5761): not audio, ignored.
        case rtcp
    }

    /// Parses `bytes`; throws a `ParseError` for anything malformed. Contiguous input (a `ByteBufferView`,
    /// an array) is read in place: the payload is the only copy.
    public init(parsing bytes: some Collection<UInt8>) throws(ParseError) {
        if let parsed = bytes.withContiguousStorageIfAvailable({ Self.parse($0) }) {
            self = try parsed.get()
        } else {
            self = try Array(bytes).withUnsafeBufferPointer { Self.parse($0) }.get()
        }
    }

    private static func parse(_ b: UnsafeBufferPointer<UInt8>) -> Result<RTPPacket, ParseError> {
        guard b.count >= 12 else { return .failure(.tooShort) }
        guard b[0] >> 6 == 2 else { return .failure(.wrongVersion) }
        // RFC 5761: second byte 192-223 is an RTCP packet type (SR 200, RR 201, ...).
        if (192...223).contains(b[1]) { return .failure(.rtcp) }
        func word(_ o: Int) -> UInt32 { UInt32(b[o]) << 24 | UInt32(b[o + 1]) << 16 | UInt32(b[o + 2]) << 8 | UInt32(b[o + 3]) }
        let hasPadding = b[0] & 0x20 != 0
        let hasExtension = b[0] & 0x10 != 0
        let csrcCount = Int(b[0] & 0x0F)
        var offset = 12
        guard offset + 4 * csrcCount <= b.count else { return .failure(.csrcPastEnd) }
        let csrcs = csrcCount == 0 ? [] : (0..<csrcCount).map { word(offset + 4 * $0) }
        offset += 4 * csrcCount
        var extensionProfile: UInt16?
        var extensionData: [UInt8] = []
        if hasExtension {
            guard offset + 4 <= b.count else { return .failure(.extensionPastEnd) }
            extensionProfile = UInt16(b[offset]) << 8 | UInt16(b[offset + 1])
            let words = Int(b[offset + 2]) << 8 | Int(b[offset + 3])
            offset += 4
            guard offset + 4 * words <= b.count else { return .failure(.extensionPastEnd) }
            extensionData = Array(b[offset..<(offset + 4 * words)])
            offset += 4 * words
        }
        var end = b.count
        if hasPadding {
            let count = Int(b[b.count - 1])
            guard count > 0, offset + count <= b.count else { return .failure(.badPadding) }
            end -= count
        }
        return .success(RTPPacket(
            marker: b[1] & 0x80 != 0, payloadType: b[1] & 0x7F, sequenceNumber: UInt16(b[2]) << 8 | UInt16(b[3]), timestamp: word(4),
            ssrc: word(8), csrcs: csrcs, extensionProfile: extensionProfile, extensionData: extensionData,
            payload: Array(b[offset..<end]), paddingCount: b.count - end))
    }

    /// The packet's bytes.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        write(into: &out)
        return out
    }

    /// Appends the packet's bytes to `out`.
    public func write(into out: inout [UInt8]) {
        out.reserveCapacity(out.count + 12 + 4 * csrcs.count + payload.count + paddingCount)
        let hasExtension = extensionProfile != nil
        out.append(0x80 | (paddingCount > 0 ? 0x20 : 0) | (hasExtension ? 0x10 : 0) | UInt8(min(csrcs.count, 15)))
        out.append((marker ? 0x80 : 0) | (payloadType & 0x7F))
        out.append(UInt8(sequenceNumber >> 8))
        out.append(UInt8(sequenceNumber & 0xFF))
        appendWord(timestamp, to: &out)
        appendWord(ssrc, to: &out)
        for csrc in csrcs.prefix(15) { appendWord(csrc, to: &out) }
        if let profile = extensionProfile {
            let words = (extensionData.count + 3) / 4
            out.append(UInt8(profile >> 8))
            out.append(UInt8(profile & 0xFF))
            out.append(UInt8(words >> 8))
            out.append(UInt8(words & 0xFF))
            out.append(contentsOf: extensionData)
            out.append(contentsOf: [UInt8](repeating: 0, count: words * 4 - extensionData.count))
        }
        out.append(contentsOf: payload)
        if paddingCount > 0 {
            out.append(contentsOf: [UInt8](repeating: 0, count: paddingCount - 1))
            out.append(UInt8(paddingCount))
        }
    }

    private func appendWord(_ value: UInt32, to out: inout [UInt8]) {
        out.append(UInt8(value >> 24))
        out.append(UInt8((value >> 16) & 0xFF))
        out.append(UInt8((value >> 8) & 0xFF))
        out.append(UInt8(value & 0xFF))
    }
}
