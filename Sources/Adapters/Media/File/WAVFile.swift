import AudioCodecs
import Foundation

/// A WAV file's audio as mono PCM16: reads PCM 8/16/24/32-bit, IEEE float, mu-law and A-law (mono or
/// multi-channel, downmixed), writes PCM16 mono. Malformed files throw `WAVFile.Error`, never crash.
public struct WAVFile: Sendable, Hashable {
    public var sampleRate: Int
    /// Mono samples.
    public var samples: [Int16]

    public init(sampleRate: Int, samples: [Int16]) {
        self.sampleRate = sampleRate
        self.samples = samples
    }

    /// Why bytes are not a usable WAV file.
    public struct Error: Swift.Error, Hashable, Sendable, CustomStringConvertible {
        public let message: String
        public var description: String { "not a usable WAV file: \(message)" }
    }

    /// Reads the file at `path`.
    public static func read(path: String) throws -> WAVFile {
        guard let data = FileManager.default.contents(atPath: path) else { throw Error(message: "cannot read \(path)") }
        return try WAVFile(bytes: [UInt8](data))
    }

    /// Parses RIFF/WAVE bytes.
    public init(bytes b: [UInt8]) throws(Error) {
        func u16(_ o: Int) -> Int { Int(b[o]) | Int(b[o + 1]) << 8 }
        func u32(_ o: Int) -> Int { u16(o) | u16(o + 2) << 16 }
        guard b.count >= 12, b[0..<4] == [0x52, 0x49, 0x46, 0x46], b[8..<12] == [0x57, 0x41, 0x56, 0x45] else {
            throw Error(message: "no RIFF/WAVE header")
        }
        var offset = 12
        var format: (code: Int, channels: Int, rate: Int, bits: Int)?
        var data: ArraySlice<UInt8>?
        while offset + 8 <= b.count, data == nil || format == nil {
            let id = String(decoding: b[offset..<(offset + 4)], as: UTF8.self)
            let declared = u32(offset + 4)
            let start = offset + 8
            // Streams often write 0 or 0xFFFFFFFF for "unknown": take what is there.
            let size = min(declared, b.count - start)
            switch id {
            case "fmt ":
                guard size >= 16 else { throw Error(message: "fmt chunk too short") }
                var code = u16(start)
                if code == 0xFFFE, size >= 26 { code = u16(start + 24) }  // WAVE_FORMAT_EXTENSIBLE sub-format
                format = (code, u16(start + 2), u32(start + 4), u16(start + 14))
            case "data":
                data = b[start..<(start + size)]
            default:
                break
            }
            offset = start + size + (size & 1)
        }
        guard let format else { throw Error(message: "no fmt chunk") }
        guard let data else { throw Error(message: "no data chunk") }
        guard (1...16).contains(format.channels) else { throw Error(message: "\(format.channels) channels") }
        guard (1000...384_000).contains(format.rate) else { throw Error(message: "sample rate \(format.rate)") }
        let width: Int
        let decode: (ArraySlice<UInt8>, Int) -> Int
        switch (format.code, format.bits) {
        case (1, 16): width = 2; decode = { s, o in Int(Int16(bitPattern: UInt16(s[o]) | UInt16(s[o + 1]) << 8)) }
        case (1, 8): width = 1; decode = { s, o in (Int(s[o]) - 128) << 8 }
        case (1, 24): width = 3; decode = { s, o in Int(Int32(bitPattern: UInt32(s[o]) << 8 | UInt32(s[o + 1]) << 16 | UInt32(s[o + 2]) << 24) >> 16) }
        case (1, 32): width = 4; decode = { s, o in Int(Int32(bitPattern: UInt32(s[o]) | UInt32(s[o + 1]) << 8 | UInt32(s[o + 2]) << 16 | UInt32(s[o + 3]) << 24) >> 16) }
        case (3, 32):
            width = 4
            decode = { s, o in
                let f = Float(bitPattern: UInt32(s[o]) | UInt32(s[o + 1]) << 8 | UInt32(s[o + 2]) << 16 | UInt32(s[o + 3]) << 24)
                return f.isFinite ? Int(max(-1, min(1, f)) * 32767) : 0
            }
        case (7, 8): width = 1; decode = { s, o in Int(G711.ulawDecode(s[o])) }
        case (6, 8): width = 1; decode = { s, o in Int(G711.alawDecode(s[o])) }
        default: throw Error(message: "unsupported encoding (format \(format.code), \(format.bits) bits)")
        }
        let frameBytes = width * format.channels
        let frames = data.count / frameBytes
        var samples = [Int16]()
        samples.reserveCapacity(frames)
        var position = data.startIndex
        for _ in 0..<frames {
            var sum = 0
            for channel in 0..<format.channels { sum += decode(data, position + channel * width) }
            samples.append(Int16(max(-32768, min(32767, sum / format.channels))))
            position += frameBytes
        }
        self.sampleRate = format.rate
        self.samples = samples
    }

    /// The file as PCM16 mono WAV bytes.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        func u16(_ v: Int) { out.append(UInt8(v & 0xFF)); out.append(UInt8((v >> 8) & 0xFF)) }
        func u32(_ v: Int) { u16(v & 0xFFFF); u16((v >> 16) & 0xFFFF) }
        out.append(contentsOf: Array("RIFF".utf8)); u32(36 + samples.count * 2)
        out.append(contentsOf: Array("WAVE".utf8))
        out.append(contentsOf: Array("fmt ".utf8)); u32(16); u16(1); u16(1); u32(sampleRate); u32(sampleRate * 2); u16(2); u16(16)
        out.append(contentsOf: Array("data".utf8)); u32(samples.count * 2)
        for s in samples { u16(Int(UInt16(bitPattern: s))) }
        return out
    }

    /// Writes the file as PCM16 mono.
    public func write(path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}
