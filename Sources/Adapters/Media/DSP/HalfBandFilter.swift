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

/// Rounds half away from zero and saturates to 16 bits (one sample).
@inline(__always) func clamp(_ value: Float) -> Int16 {
    Int16(max(-32768, min(32767, value + (value >= 0 ? 0.5 : -0.5))))
}

extension Array<Float> {
    /// Makes the array `count` long (keeping its storage when the length is unchanged, as it is frame
    /// after frame) and lets `body` write every element: no per-element append on the audio path.
    @inline(__always) mutating func overwrite(count: Int, _ body: (UnsafeMutableBufferPointer<Float>) -> Void) {
        if self.count != count { self = [Float](repeating: 0, count: count) }
        withUnsafeMutableBufferPointer { body($0) }
    }

    /// `history` followed by `input` as floats.
    @inline(__always) mutating func overwrite(history: [Float], input: [Int16]) {
        overwrite(count: history.count + input.count) { out in
            history.withUnsafeBufferPointer { h in
                input.withUnsafeBufferPointer { x in
                    for i in 0..<h.count { out[i] = h[i] }
                    for i in 0..<x.count { out[h.count + i] = Float(x[i]) }
                }
            }
        }
    }
}

extension Array<Float> {
    /// `history` followed by the G.711 `bytes` decoded through `table` (256 floats).
    @inline(__always) mutating func overwrite(history: [Float], bytes: UnsafeRawBufferPointer, table: [Float]) {
        overwrite(count: history.count + bytes.count) { out in
            history.withUnsafeBufferPointer { h in
                table.withUnsafeBufferPointer { t in
                    for i in 0..<h.count { out[i] = h[i] }
                    for i in 0..<bytes.count { out[h.count + i] = t[Int(bytes[i])] }
                }
            }
        }
    }
}

extension Array<Int16> {
    /// Makes the array `count` long (keeping its storage when the length is unchanged) and lets `body`
    /// write every element.
    @inline(__always) mutating func overwrite(count: Int, _ body: (UnsafeMutableBufferPointer<Int16>) -> Void) {
        if self.count != count { self = [Int16](repeating: 0, count: count) }
        withUnsafeMutableBufferPointer { body($0) }
    }
}

extension UnsafeBufferPointer<Float> {
    /// Eight consecutive samples from `index`.
    @inline(__always) func load8(_ index: Int) -> SIMD8<Float> {
        UnsafeRawPointer(baseAddress! + index).loadUnaligned(as: SIMD8<Float>.self)
    }
}
