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

/// `clamp` on eight samples at once, with the same result per lane.
@inline(__always) func clamp(_ value: SIMD8<Float>) -> SIMD8<Int16> {
    let half = SIMD8<Float>(repeating: 0.5).replacing(with: -0.5, where: value .< 0)
    let limited = (value + half).clamped(lowerBound: SIMD8(repeating: -32768), upperBound: SIMD8(repeating: 32767))
    return SIMD8<Int16>(truncatingIfNeeded: SIMD8<Int32>(limited, rounding: .towardZero))
}

extension UnsafeBufferPointer<Float> {
    /// Eight consecutive samples from `index`.
    @inline(__always) func load8(_ index: Int) -> SIMD8<Float> {
        UnsafeRawPointer(baseAddress! + index).loadUnaligned(as: SIMD8<Float>.self)
    }
}
