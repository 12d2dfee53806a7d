/// How audio is encoded on a wire or in a file.
public enum AudioEncoding: String, Hashable, Sendable, Codable, CaseIterable {
    /// 16-bit signed linear PCM in host order (the daemon's internal form).
    case pcm16
    /// G.711 mu-law, 8 bits a sample.
    case ulaw
    /// G.711 A-law, 8 bits a sample.
    case alaw
    /// 16-bit signed linear PCM, big-endian (Asterisk `slin` on RTP).
    case l16BigEndian
    /// 16-bit signed linear PCM, little-endian (AudioSocket, chan_websocket).
    case l16LittleEndian
    /// Opus (RFC 7587).
    case opus
}

/// An audio format: encoding, rate, channel count and the frame duration used on the wire.
public struct AudioFormat: Hashable, Sendable, Codable, CustomStringConvertible {
    public var encoding: AudioEncoding
    public var sampleRate: Int
    public var channels: Int
    public var frameDuration: Duration

    public init(encoding: AudioEncoding, sampleRate: Int, channels: Int = 1, frameDuration: Duration = .milliseconds(20)) {
        self.encoding = encoding
        self.sampleRate = sampleRate
        self.channels = channels
        self.frameDuration = frameDuration
    }

    /// Samples per channel in one frame.
    public var samplesPerFrame: Int { Int(Int64(sampleRate) * frameDuration.milliseconds / 1000) }

    /// The daemon's internal format: PCM16 mono, 16 kHz, 20 ms frames (320 samples).
    public static let internal16k = AudioFormat(encoding: .pcm16, sampleRate: 16_000)
    /// G.711 mu-law at 8 kHz, 20 ms.
    public static let ulaw8k = AudioFormat(encoding: .ulaw, sampleRate: 8_000)
    /// G.711 A-law at 8 kHz, 20 ms.
    public static let alaw8k = AudioFormat(encoding: .alaw, sampleRate: 8_000)

    public var description: String { "\(encoding.rawValue)/\(sampleRate)Hz/\(channels)ch/\(frameDuration.milliseconds)ms" }
}
