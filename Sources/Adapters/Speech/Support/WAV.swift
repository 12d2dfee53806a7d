import Domain

/// Minimal RIFF/WAVE reading and writing for PCM16 mono, as vendors send and accept it.
public enum WAV {
    /// A 44-byte-header WAV file of `samples` at `sampleRate`.
    public static func encode(_ samples: [Int16], sampleRate: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(44 + samples.count * 2)
        func u32(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { out += $0 } }
        func u16(_ v: Int) { withUnsafeBytes(of: UInt16(v).littleEndian) { out += $0 } }
        out += Array("RIFF".utf8); u32(36 + samples.count * 2); out += Array("WAVE".utf8)
        out += Array("fmt ".utf8); u32(16); u16(1); u16(1); u32(sampleRate); u32(sampleRate * 2); u16(2); u16(16)
        out += Array("data".utf8); u32(samples.count * 2)
        for s in samples { withUnsafeBytes(of: s.littleEndian) { out += $0 } }
        return out
    }

    /// Decodes a PCM16 WAV file (mono, or the first channel of several). Throws a description of what
    /// is wrong with anything else.
    public static func decode(_ bytes: [UInt8]) throws(WAVError) -> AudioFrame {
        guard bytes.count >= 12, bytes[0..<4].elementsEqual("RIFF".utf8), bytes[8..<12].elementsEqual("WAVE".utf8) else {
            throw WAVError("not a RIFF/WAVE file")
        }
        func u32(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24 }
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        var offset = 12
        var format: (channels: Int, rate: Int, bits: Int, code: Int)?
        while offset + 8 <= bytes.count {
            let id = String(decoding: bytes[offset..<offset + 4], as: UTF8.self)
            let size = u32(offset + 4)
            let body = offset + 8
            if id == "fmt " {
                guard size >= 16, body + 16 <= bytes.count else { throw WAVError("fmt chunk truncated") }
                format = (u16(body + 2), u32(body + 4), u16(body + 14), u16(body))
            } else if id == "data" {
                guard let format else { throw WAVError("data chunk before fmt chunk") }
                guard format.code == 1 || format.code == 0xFFFE, format.bits == 16, format.channels >= 1 else {
                    throw WAVError("not PCM16 (format \(format.code), \(format.bits) bits)")
                }
                // Streaming encoders write 0 or 0xFFFFFFFF as the size: take what is there.
                let end = size == 0 || size == 0xFFFF_FFFF || body + size > bytes.count ? bytes.count : body + size
                let stride = 2 * format.channels
                var samples: [Int16] = []
                samples.reserveCapacity((end - body) / stride)
                var at = body
                while at + 1 < end {
                    samples.append(Int16(bitPattern: UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8))
                    at += stride
                }
                return AudioFrame(samples: samples, sampleRate: format.rate)
            }
            offset = body + size + (size & 1)
        }
        throw WAVError("no data chunk")
    }
}

/// What is wrong with a WAV file.
public struct WAVError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
