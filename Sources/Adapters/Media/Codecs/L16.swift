/// 16-bit linear PCM on the wire: big-endian (RFC 3551 L16, Asterisk `slin16` over RTP) and
/// little-endian (AudioSocket, chan_websocket).
public enum L16 {
    /// Decodes big-endian sample pairs into `out` (appends). A trailing odd byte is ignored.
    @inline(__always)
    public static func decodeBigEndian(_ bytes: UnsafeRawBufferPointer, into out: inout [Int16]) {
        let count = bytes.count / 2
        out.reserveCapacity(out.count + count)
        for i in 0..<count { out.append(Int16(bitPattern: UInt16(bytes[2 * i]) << 8 | UInt16(bytes[2 * i + 1]))) }
    }

    /// Decodes little-endian sample pairs into `out` (appends). A trailing odd byte is ignored.
    @inline(__always)
    public static func decodeLittleEndian(_ bytes: UnsafeRawBufferPointer, into out: inout [Int16]) {
        let count = bytes.count / 2
        out.reserveCapacity(out.count + count)
        for i in 0..<count { out.append(Int16(bitPattern: UInt16(bytes[2 * i]) | UInt16(bytes[2 * i + 1]) << 8)) }
    }

    /// Big-endian bytes of `samples`.
    public static func encodeBigEndian(_ samples: some Collection<Int16>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(samples.count * 2)
        for s in samples {
            let v = UInt16(bitPattern: s)
            out.append(UInt8(v >> 8))
            out.append(UInt8(v & 0xFF))
        }
        return out
    }

    /// Little-endian bytes of `samples`.
    public static func encodeLittleEndian(_ samples: some Collection<Int16>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(samples.count * 2)
        for s in samples {
            let v = UInt16(bitPattern: s)
            out.append(UInt8(v & 0xFF))
            out.append(UInt8(v >> 8))
        }
        return out
    }

    /// Convenience: decodes a byte array (big-endian).
    public static func decodeBigEndian(_ bytes: [UInt8]) -> [Int16] {
        var out: [Int16] = []
        bytes.withUnsafeBytes { decodeBigEndian($0, into: &out) }
        return out
    }

    /// Convenience: decodes a byte array (little-endian).
    public static func decodeLittleEndian(_ bytes: [UInt8]) -> [Int16] {
        var out: [Int16] = []
        bytes.withUnsafeBytes { decodeLittleEndian($0, into: &out) }
        return out
    }
}
