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
/// across calls, so a stream can be converted frame by frame. Only every other output is computed and
/// the symmetric taps are folded, so a 47-tap filter costs 12 multiplies per 8 kHz sample.
public struct Downsampler2x: Sendable {
    private let filter: HalfBandFilter
    /// The non-zero taps off the centre, one side: offsets 1, 3, 5, ... from the centre.
    private let sideTaps: [Float]
    private let centreTap: Float
    private var history: [Float]
    private var work: [Float] = []
    /// Where the next output sample starts in the next buffer (0 or 1: keeps the 2:1 phase).
    private var nextStart = 0

    /// A converter with the default 47-tap filter.
    public init(filter: HalfBandFilter = HalfBandFilter()) {
        self.filter = filter
        let centre = (filter.taps.count - 1) / 2
        centreTap = filter.taps[centre]
        sideTaps = stride(from: 1, through: centre, by: 2).map { filter.taps[centre + $0] }
        history = [Float](repeating: 0, count: filter.taps.count - 1)
    }

    /// Converts `input` (any length) and returns the 8 kHz samples it completes.
    public mutating func process(_ input: [Int16]) -> [Int16] {
        let span = filter.taps.count
        let centre = (span - 1) / 2
        work.removeAll(keepingCapacity: true)
        work.append(contentsOf: history)
        for sample in input { work.append(Float(sample)) }
        let count = work.count
        let first = nextStart
        let produced = first + span <= count ? (count - span - first) / 2 + 1 : 0
        let output = [Int16](unsafeUninitializedCapacity: produced) { out, initialised in
            work.withUnsafeBufferPointer { x in
                sideTaps.withUnsafeBufferPointer { taps in
                    for m in 0..<produced {
                        let c = first + 2 * m + centre
                        var acc = centreTap * x[c]
                        for j in 0..<taps.count {
                            let offset = 2 * j + 1
                            acc += taps[j] * (x[c - offset] + x[c + offset])
                        }
                        out[m] = clamp(acc)
                    }
                }
            }
            initialised = produced
        }
        let nextOutput = first + 2 * produced
        nextStart = nextOutput - (count - (span - 1))
        history.withUnsafeMutableBufferPointer { h in
            work.withUnsafeBufferPointer { x in
                for i in 0..<(span - 1) { h[i] = x[count - (span - 1) + i] }
            }
        }
        return output
    }
}

/// 8 kHz -> 16 kHz, polyphase: of the zero-stuffed signal through the half-band filter (gain 2), every
/// even output is the input delayed (all other taps of that phase are zero) and every odd output is the
/// odd taps over the input: 24 multiplies per 8 kHz sample for 47 taps, nothing spent on the zeros.
public struct Upsampler2x: Sendable {
    /// Gain-2 odd-phase taps (offsets -23, -21, ..., 23 from the centre for 47 taps).
    private let phaseTaps: [Float]
    private var history: [Float]
    private var work: [Float] = []

    /// A converter with the default 47-tap filter.
    public init(filter: HalfBandFilter = HalfBandFilter()) {
        let centre = (filter.taps.count - 1) / 2
        phaseTaps = stride(from: -centre, through: centre, by: 2).map { 2 * filter.taps[centre + $0] }
        history = [Float](repeating: 0, count: phaseTaps.count - 1)
    }

    /// Converts `input` and returns exactly twice as many samples.
    public mutating func process(_ input: [Int16]) -> [Int16] {
        let length = phaseTaps.count
        let delay = length / 2 - 1
        work.removeAll(keepingCapacity: true)
        work.append(contentsOf: history)
        for sample in input { work.append(Float(sample)) }
        let n = input.count
        let output = [Int16](unsafeUninitializedCapacity: 2 * n) { out, initialised in
            work.withUnsafeBufferPointer { x in
                phaseTaps.withUnsafeBufferPointer { taps in
                    for i in 0..<n {
                        var acc: Float = 0
                        for k in 0..<length { acc += taps[k] * x[i + k] }
                        out[2 * i] = clamp(x[i + delay])
                        out[2 * i + 1] = clamp(acc)
                    }
                }
            }
            initialised = 2 * n
        }
        history.withUnsafeMutableBufferPointer { h in
            work.withUnsafeBufferPointer { x in
                for i in 0..<(length - 1) { h[i] = x[n + i] }
            }
        }
        return output
    }
}

@inline(__always) func clamp(_ value: Float) -> Int16 {
    Int16(max(-32768, min(32767, value + (value >= 0 ? 0.5 : -0.5))))
}
