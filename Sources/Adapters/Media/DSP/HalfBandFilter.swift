import Foundation

/// A linear-phase half-band low-pass FIR (cut-off at a quarter of the rate), the core of the cheap
/// 8 <-> 16 kHz converters. Every other tap is zero except the centre, so a filter of N taps costs about
/// N/2 multiplies per output.
public struct HalfBandFilter: Sendable {
    /// The taps (odd count, symmetric, centre 0.5).
    public let taps: [Float]
    /// Indices of the non-zero taps, for the inner loops.
    let nonZero: [Int]

    /// A Blackman-windowed sinc of `count` taps (odd).
    public init(count: Int = 47) {
        let n = count | 1
        let centre = (n - 1) / 2
        var taps = [Float](repeating: 0, count: n)
        for i in 0..<n {
            let offset = Double(i - centre)
            let sinc = offset == 0 ? 0.5 : sin(.pi * offset / 2) / (.pi * offset)
            let window = 0.42 - 0.5 * cos(2 * .pi * Double(i) / Double(n - 1)) + 0.08 * cos(4 * .pi * Double(i) / Double(n - 1))
            taps[i] = Float(sinc * window)
        }
        // Exact zeros at even distances from the centre, and unity DC gain.
        for i in 0..<n where (i - centre) % 2 == 0 && i != centre { taps[i] = 0 }
        let sum = taps.reduce(0, +)
        let normalised = taps.map { $0 / sum }
        self.taps = normalised
        self.nonZero = (0..<n).filter { normalised[$0] != 0 }
    }
}

/// 16 kHz -> 8 kHz: low-pass with the half-band filter, keep every other sample. Keeps its history
/// across calls, so a stream can be converted frame by frame.
public struct Downsampler2x: Sendable {
    private let filter: HalfBandFilter
    private var history: [Float]
    /// Where the next output sample starts in the next buffer (0 or 1: keeps the 2:1 phase).
    private var nextStart = 0

    public init(filter: HalfBandFilter = HalfBandFilter()) {
        self.filter = filter
        self.history = [Float](repeating: 0, count: filter.taps.count - 1)
    }

    /// Converts `input` (any length) and returns the 8 kHz samples it completes.
    public mutating func process(_ input: [Int16]) -> [Int16] {
        let span = filter.taps.count
        var buffer = history
        buffer.reserveCapacity(history.count + input.count)
        for sample in input { buffer.append(Float(sample)) }
        var output: [Int16] = []
        output.reserveCapacity(input.count / 2 + 1)
        var start = nextStart
        while start + span <= buffer.count {
            var acc: Float = 0
            for k in filter.nonZero { acc += filter.taps[k] * buffer[start + k] }
            output.append(clamp(acc))
            start += 2
        }
        nextStart = start - (buffer.count - (span - 1))
        history = Array(buffer.suffix(span - 1))
        return output
    }
}

/// 8 kHz -> 16 kHz: insert a zero after each sample and low-pass with the half-band filter (gain 2).
public struct Upsampler2x: Sendable {
    private let filter: HalfBandFilter
    private var history: [Float]

    public init(filter: HalfBandFilter = HalfBandFilter()) {
        self.filter = filter
        self.history = [Float](repeating: 0, count: filter.taps.count - 1)
    }

    /// Converts `input` and returns exactly twice as many samples.
    public mutating func process(_ input: [Int16]) -> [Int16] {
        let span = filter.taps.count
        var buffer = history
        buffer.reserveCapacity(history.count + 2 * input.count)
        for sample in input {
            buffer.append(Float(sample) * 2)
            buffer.append(0)
        }
        var output: [Int16] = []
        output.reserveCapacity(2 * input.count)
        for start in 0..<(2 * input.count) {
            var acc: Float = 0
            for k in filter.nonZero { acc += filter.taps[k] * buffer[start + k] }
            output.append(clamp(acc))
        }
        history = Array(buffer.suffix(span - 1))
        return output
    }
}

@inline(__always) func clamp(_ value: Float) -> Int16 {
    Int16(max(-32768, min(32767, value.rounded())))
}
