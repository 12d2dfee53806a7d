import Foundation

/// 24 kHz -> 8 kHz (the OpenAI-compatible TTS's PCM to G.711): a 95-tap Kaiser-windowed low-pass at
/// 3.7 kHz, computed only for every third sample, with the symmetric taps folded (48 multiplies per 8 kHz
/// sample). Keeps its history across calls, so a stream can be converted chunk by chunk with the same
/// result. Several times cheaper than libsamplerate for this ratio. The gain is flat within 0.1 dB up to
/// 3 kHz and within 1 dB at 3.4 kHz, and what would fold back into the telephone band (4.6 kHz and up) is
/// at least 60 dB down.
public struct Downsampler3x: Sendable {
    /// The filter's taps (odd count, symmetric, unit DC gain).
    public static let taps: [Float] = design(count: 95, cutoff: 3_700.0 / 24_000.0, beta: 8)

    private let span = Downsampler3x.taps.count
    /// Taps 0..<centre, paired with their mirror.
    private let sideTaps: [Float]
    private let centreTap: Float
    private var history: [Float]
    private var work: [Float] = []
    /// Where the next output starts in the next buffer (keeps the 3:1 phase).
    private var nextStart = 0

    public init() {
        let centre = (Self.taps.count - 1) / 2
        centreTap = Self.taps[centre]
        sideTaps = Array(Self.taps[0..<centre])
        history = [Float](repeating: 0, count: Self.taps.count - 1)
    }

    /// Converts `input` and returns the 8 kHz samples it completes.
    public mutating func process(_ input: [Int16]) -> [Int16] {
        var output: [Int16] = []
        process(input, appendingTo: &output)
        return output
    }

    /// Converts `input` and appends the 8 kHz samples it completes to `output`.
    public mutating func process(_ input: [Int16], appendingTo output: inout [Int16]) {
        work.overwrite(history: history, input: input)
        let count = work.count
        let centre = (span - 1) / 2
        var start = nextStart
        work.withUnsafeBufferPointer { x in
            sideTaps.withUnsafeBufferPointer { taps in
                while start + span <= count {
                    var acc = centreTap * x[start + centre]
                    let last = start + span - 1
                    for k in 0..<centre { acc += taps[k] * (x[start + k] + x[last - k]) }
                    output.append(clamp(acc))
                    start += 3
                }
            }
        }
        nextStart = start - (count - (span - 1))
        history.withUnsafeMutableBufferPointer { h in
            work.withUnsafeBufferPointer { x in
                for i in 0..<(span - 1) { h[i] = x[count - (span - 1) + i] }
            }
        }
    }

    /// A Kaiser-windowed sinc low-pass: `count` taps, `cutoff` as a fraction of the input rate.
    static func design(count: Int, cutoff: Double, beta: Double) -> [Float] {
        let centre = Double(count - 1) / 2
        func bessel0(_ x: Double) -> Double {
            var sum = 1.0
            var term = 1.0
            for k in 1..<30 {
                term *= (x / (2 * Double(k))) * (x / (2 * Double(k)))
                sum += term
            }
            return sum
        }
        let taps = (0..<count).map { n -> Double in
            let t = Double(n) - centre
            let sinc = t == 0 ? 2 * cutoff : sin(2 * .pi * cutoff * t) / (.pi * t)
            let ratio = t / centre
            return sinc * bessel0(beta * (1 - ratio * ratio).squareRoot()) / bessel0(beta)
        }
        let sum = taps.reduce(0, +)
        return taps.map { Float($0 / sum) }
    }
}
