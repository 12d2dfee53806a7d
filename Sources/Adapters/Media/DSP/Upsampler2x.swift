import AudioCodecs
/// 8 kHz -> 16 kHz, polyphase: of the zero-stuffed signal through the half-band filter (gain 2), every
/// even output is the input delayed (all other taps of that phase are zero) and every odd output is the
/// odd taps over the input: 24 multiplies per 8 kHz sample for 47 taps, nothing spent on the zeros.
///
/// Eight odd outputs are computed at once (SIMD); each lane adds its products in the same order as the
/// one-sample loop, so the result does not depend on the chunking.
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
        work.overwrite(history: history, input: input)
        return filterWork(count: input.count)
    }

    /// Converts G.711 `bytes` decoded through `table` (`G711.ulawDecodeFloatTable` or the A-law one) without
    /// an intermediate array of samples; the same output as decoding first.
    mutating func process(g711 bytes: UnsafeRawBufferPointer, table: [Float]) -> [Int16] {
        work.overwrite(history: history, bytes: bytes, table: table)
        return filterWork(count: bytes.count)
    }

    /// Filters `work` (history, then `n` new samples) and keeps the new history.
    private mutating func filterWork(count n: Int) -> [Int16] {
        let length = phaseTaps.count
        let delay = length / 2 - 1
        let output = [Int16](unsafeUninitializedCapacity: 2 * n) { out, initialised in
            work.withUnsafeBufferPointer { x in
                phaseTaps.withUnsafeBufferPointer { taps in
                    var i = 0
                    while i + 8 <= n {
                        var acc = SIMD8<Float>(repeating: 0)
                        for k in 0..<length { acc += taps[k] * x.load8(i + k) }
                        // Per lane: the standard library's vector float-to-integer conversion is generic and slow.
                        for lane in 0..<8 {
                            out[2 * (i + lane)] = clamp(x[i + lane + delay])
                            out[2 * (i + lane) + 1] = clamp(acc[lane])
                        }
                        i += 8
                    }
                    while i < n {
                        var acc: Float = 0
                        for k in 0..<length { acc += taps[k] * x[i + k] }
                        out[2 * i] = clamp(x[i + delay])
                        out[2 * i + 1] = clamp(acc)
                        i += 1
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
