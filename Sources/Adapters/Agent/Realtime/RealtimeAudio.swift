import AudioCodecs
import Domain

/// The audio format of a Realtime session, both ways: G.711 mu-law at 8 kHz for a G.711 line (no
/// conversion on the vendor's side, and a third of the bytes), else PCM16 at 24 kHz (the only PCM rate
/// the API takes).
enum RealtimeAudioFormat: Sendable, Hashable {
    /// `audio/pcmu`: one byte a sample, 8000 samples a second.
    case pcmu
    /// `audio/pcm` at 24000 Hz: 16-bit little-endian samples.
    case pcm24

    /// The format for a line of `lineRate` Hz.
    init(lineRate: Int) {
        self = lineRate == 8000 ? .pcmu : .pcm24
    }

    var wire: RealtimeWire.Format {
        switch self {
        case .pcmu: RealtimeWire.Format(type: "audio/pcmu")
        case .pcm24: RealtimeWire.Format(type: "audio/pcm", rate: 24000)
        }
    }

    var sampleRate: Int {
        switch self {
        case .pcmu: 8000
        case .pcm24: 24000
        }
    }

    var bytesPerSample: Int {
        switch self {
        case .pcmu: 1
        case .pcm24: 2
        }
    }

    /// Bytes of one millisecond (8 for mu-law, 48 for PCM 24 kHz): how `audio_end_ms` is counted.
    var bytesPerMillisecond: Int { sampleRate / 1000 * bytesPerSample }

    func encode(_ samples: [Int16]) -> [UInt8] {
        switch self {
        case .pcmu:
            return samples.withUnsafeBufferPointer { G711.encode($0, table: G711.ulawEncodeTable) }
        case .pcm24:
            var bytes: [UInt8] = []
            bytes.reserveCapacity(samples.count * 2)
            for sample in samples {
                let bits = UInt16(bitPattern: sample)
                bytes.append(UInt8(truncatingIfNeeded: bits))
                bytes.append(UInt8(truncatingIfNeeded: bits >> 8))
            }
            return bytes
        }
    }

    /// Decodes whole samples; for PCM an odd last byte is left for the next delta.
    func decode(_ bytes: [UInt8]) -> [Int16] {
        switch self {
        case .pcmu:
            return bytes.map(G711.ulawDecode)
        case .pcm24:
            return stride(from: 0, to: bytes.count - 1, by: 2).map {
                Int16(bitPattern: UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8)
            }
        }
    }
}

/// The caller's audio on its way to the vendor: frames of any rate are resampled to the session's rate,
/// encoded, and sent in batches of about 100 ms (`batch`): one `input_audio_buffer.append` a 20 ms frame
/// would be 50 JSON messages a second a call, 10 keeps the message rate low for a latency the server's
/// VAD (hundreds of milliseconds of silence to end a turn) does not notice.
struct RealtimeAudioEncoder: ~Copyable {
    /// About 100 ms of encoded audio.
    static let batch: Duration = .milliseconds(100)

    let format: RealtimeAudioFormat
    private var converters: [Int: SampleRateConverter] = [:]
    private var pending: [UInt8] = []
    private let batchBytes: Int

    init(format: RealtimeAudioFormat) {
        self.format = format
        batchBytes = Int(Self.batch.milliseconds) * format.bytesPerMillisecond
    }

    /// Adds one frame; returns the batches now complete (each `batch` long), oldest first.
    mutating func add(_ frame: AudioFrame) -> [[UInt8]] {
        guard frame.sampleRate > 0, !frame.samples.isEmpty else { return [] }
        let samples: [Int16]
        if frame.sampleRate == format.sampleRate {
            samples = frame.samples
        } else {
            guard let resampler = resampler(from: frame.sampleRate) else { return [] }
            samples = resampler.process(frame.samples)
        }
        pending += format.encode(samples)
        var batches: [[UInt8]] = []
        while pending.count >= batchBytes {
            batches.append(Array(pending.prefix(batchBytes)))
            pending.removeFirst(batchBytes)
        }
        return batches
    }

    /// What is left of the last batch (before a commit).
    mutating func drain() -> [UInt8] {
        defer { pending = [] }
        return pending
    }

    /// The converter from `rate` (one a rate: each keeps the state of its stream).
    private mutating func resampler(from rate: Int) -> SampleRateConverter? {
        if let converter = converters[rate] { return converter }
        guard let converter = SampleRateConverter(from: rate, to: format.sampleRate) else { return nil }
        converters[rate] = converter
        return converter
    }
}

/// The agent's audio from the vendor: base64 deltas decoded into frames at the session's rate.
struct RealtimeAudioDecoder: Sendable {
    let format: RealtimeAudioFormat
    /// An odd byte of a PCM delta, completed by the next one.
    private var carry: [UInt8] = []

    init(format: RealtimeAudioFormat) {
        self.format = format
    }

    /// The frame of one delta's bytes (nil when the delta held less than a sample).
    mutating func frame(_ bytes: [UInt8]) -> AudioFrame? {
        var bytes = bytes
        if !carry.isEmpty {
            bytes = carry + bytes
            carry = []
        }
        if format.bytesPerSample == 2, bytes.count % 2 == 1 { carry = [bytes.removeLast()] }
        let samples = format.decode(bytes)
        return samples.isEmpty ? nil : AudioFrame(samples: samples, sampleRate: format.sampleRate)
    }

    /// Forgets a partial sample (a new item starts).
    mutating func reset() { carry = [] }
}
