import AudioCodecs
import Domain

/// Turns playback chunks of any rate into 20 ms frames at the wire rate (8 kHz for G.711, 16 kHz for
/// AudioSocket and chan_websocket), picking the cheap half-band path for a 2:1 ratio, a 3:1 FIR for 24 kHz
/// speech to 8 kHz, and libsamplerate for anything else.
public struct OutboundConverter: Sendable {
    /// The rate of the frames it makes.
    public let wireRate: Int
    private let samplesPerFrame: Int
    private var downsampler = Downsampler2x()
    private var upsampler = Upsampler2x()
    private var downsampler3 = Downsampler3x()
    private var converter: SampleRateConverter?
    private var pending: [Int16] = []

    /// Frames of 20 ms at `wireRate`.
    public init(wireRate: Int = 8_000) {
        self.wireRate = wireRate
        self.samplesPerFrame = wireRate / 50
    }

    /// Adds a chunk; returns the complete frames now available.
    public mutating func append(_ chunk: AudioFrame) -> [[Int16]] {
        var frames: [[Int16]] = []
        append(chunk) { frames.append(Array($0)) }
        return frames
    }

    /// Adds a chunk and hands each complete frame now available to `frame` (in place: no array per frame).
    public mutating func append(_ chunk: AudioFrame, frame: (UnsafeBufferPointer<Int16>) -> Void) {
        convert(chunk)
        takeFrames(frame)
    }

    /// The last partial frame, padded with silence (nil if none).
    public mutating func finish() -> [Int16]? {
        if let converter { pending += converter.process([], final: true) }
        var last: [Int16]?
        takeFrames { if last == nil { last = Array($0) } }
        if last == nil, !pending.isEmpty {
            last = pending + [Int16](repeating: 0, count: samplesPerFrame - pending.count)
        }
        pending = []
        return last
    }

    /// Converts `chunk` to the wire rate onto the end of `pending`.
    private mutating func convert(_ chunk: AudioFrame) {
        if chunk.sampleRate == wireRate { pending += chunk.samples; return }
        if chunk.sampleRate == 2 * wireRate { downsampler.process(chunk.samples, appendingTo: &pending); return }
        if 2 * chunk.sampleRate == wireRate { pending += upsampler.process(chunk.samples); return }
        if chunk.sampleRate == 24_000, wireRate == 8_000 { downsampler3.process(chunk.samples, appendingTo: &pending); return }
        if converter == nil || converter?.inputRate != chunk.sampleRate {
            converter = SampleRateConverter(from: chunk.sampleRate, to: wireRate)
        }
        pending += converter?.process(chunk.samples) ?? []
    }

    /// Hands each complete frame of `pending` to `frame` in place and removes them.
    private mutating func takeFrames(_ frame: (UnsafeBufferPointer<Int16>) -> Void) {
        var offset = 0
        pending.withUnsafeBufferPointer { samples in
            while samples.count - offset >= samplesPerFrame {
                frame(UnsafeBufferPointer(rebasing: samples[offset..<(offset + samplesPerFrame)]))
                offset += samplesPerFrame
            }
        }
        if offset > 0 { pending.removeFirst(offset) }
    }
}
