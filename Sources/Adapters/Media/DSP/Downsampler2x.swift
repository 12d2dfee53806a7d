/// 16 kHz -> 8 kHz: low-pass with the half-band filter, keep every other sample. Keeps its history
/// across calls, so a stream can be converted frame by frame. Only every other output is computed and
/// the symmetric taps are folded, so a 47-tap filter costs 12 multiplies per 8 kHz sample.
///
/// Eight outputs are computed at once (SIMD): the input is split into its even and odd samples, so that
/// the inputs of neighbouring outputs (two samples apart) are contiguous. Each lane adds its products in
/// the same order as the one-sample loop, so the result does not depend on the chunking.
public struct Downsampler2x: Sendable {
    private let span: Int
    /// The non-zero taps off the centre, one side: offsets 1, 3, 5, ... from the centre.
    private let sideTaps: [Float]
    private let centreTap: Float
    private var history: [Float]
    private var work: [Float] = []
    private var evens: [Float] = []
    private var odds: [Float] = []
    /// The outputs of one call, before they are appended (reused).
    private var scratch: [Int16] = []
    /// Where the next output sample starts in the next buffer (0 or 1: keeps the 2:1 phase).
    private var nextStart = 0

    /// A converter with the default 47-tap filter.
    public init(filter: HalfBandFilter = HalfBandFilter()) {
        span = filter.taps.count
        let centre = (filter.taps.count - 1) / 2
        centreTap = filter.taps[centre]
        sideTaps = stride(from: 1, through: centre, by: 2).map { filter.taps[centre + $0] }
        history = [Float](repeating: 0, count: filter.taps.count - 1)
    }

    /// Converts `input` (any length) and returns the 8 kHz samples it completes.
    public mutating func process(_ input: [Int16]) -> [Int16] {
        var output: [Int16] = []
        process(input, appendingTo: &output)
        return output
    }

    /// Converts `input` and appends the 8 kHz samples it completes to `output` (no array of its own).
    public mutating func process(_ input: [Int16], appendingTo output: inout [Int16]) {
        let centre = (span - 1) / 2
        work.overwrite(history: history, input: input)
        let count = work.count
        let first = nextStart
        let produced = first + span <= count ? (count - span - first) / 2 + 1 : 0
        work.withUnsafeBufferPointer { x in
            evens.overwrite(count: (count + 1) / 2) { out in
                for i in 0..<out.count { out[i] = x[2 * i] }
            }
            odds.overwrite(count: count / 2) { out in
                for i in 0..<out.count { out[i] = x[2 * i + 1] }
            }
        }
        // Output m is centred on sample q + 2m; its side samples q ± (2j + 1) + 2m have the other parity.
        let q = first + centre
        scratch.overwrite(count: produced) { out in
            let centres = q % 2 == 0 ? evens : odds
            let sides = q % 2 == 0 ? odds : evens
            centres.withUnsafeBufferPointer { c in
                sides.withUnsafeBufferPointer { x in
                    sideTaps.withUnsafeBufferPointer { taps in
                        let centreBase = q >> 1
                        var m = 0
                        while m + 8 <= produced {
                            var acc = centreTap * c.load8(centreBase + m)
                            for j in 0..<taps.count {
                                let left = x.load8(((q - 2 * j - 1) >> 1) + m)
                                let right = x.load8(((q + 2 * j + 1) >> 1) + m)
                                acc += taps[j] * (left + right)
                            }
                            // Per lane: the standard library's vector float-to-integer conversion is generic and slow.
                            for lane in 0..<8 { out[m + lane] = clamp(acc[lane]) }
                            m += 8
                        }
                        while m < produced {
                            var acc = centreTap * c[centreBase + m]
                            for j in 0..<taps.count {
                                acc += taps[j] * (x[((q - 2 * j - 1) >> 1) + m] + x[((q + 2 * j + 1) >> 1) + m])
                            }
                            out[m] = clamp(acc)
                            m += 1
                        }
                    }
                }
            }
        }
        output.append(contentsOf: scratch)
        let nextOutput = first + 2 * produced
        nextStart = nextOutput - (count - (span - 1))
        history.withUnsafeMutableBufferPointer { h in
            work.withUnsafeBufferPointer { x in
                for i in 0..<(span - 1) { h[i] = x[count - (span - 1) + i] }
            }
        }
    }
}
