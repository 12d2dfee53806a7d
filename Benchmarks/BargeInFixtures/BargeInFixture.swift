import Foundation

/// One barge-in fixture: a prompt the daemon plays, what happens on the caller's side while it plays,
/// and the echo path that brings the prompt back on the caller's leg. All audio 16 kHz mono PCM16.
public struct BargeInFixture: Sendable {
    /// What the caller's side holds besides the echo.
    public enum Kind: String, Sendable, CaseIterable {
        /// Only the echo and line noise: must never interrupt.
        case echo
        /// A cough, a click or a crackle over the echo: may hold the prompt, must not cut it.
        case noise
        /// The caller talks over the prompt: must cut it.
        case interruption
    }

    /// How the prompt comes back: after `delay`, weaker by `returnLossDB`, band-limited like a hybrid.
    public struct EchoPath: Sendable, Hashable {
        public var delay: Duration
        public var returnLossDB: Double
    }

    public var name: String
    public var kind: Kind
    public var prompt: [Int16]
    /// The caller's side without the echo (speech, a cough, line noise), as long as the trial.
    public var near: [Int16]
    public var echo: EchoPath
    /// The first 20 ms frame of the caller's speech (interruptions).
    public var speechOnsetFrame: Int?
}

/// Deterministic noise (xorshift), so that every run builds the same fixtures.
struct NoiseSource {
    private var state: UInt64
    init(seed: UInt64) { state = seed | 1 }
    mutating func next() -> Double {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return Double(state % 2_000_001) / 1_000_000 - 1
    }
}

enum Signal {
    static let rate = 16_000
    static let frame = 320

    static func gain(_ db: Double) -> Double { pow(10, db / 20) }

    /// Adds `b` (scaled by `gainDB`) into `a` at `offset`, saturating.
    static func mix(_ a: inout [Int16], _ b: [Int16], at offset: Int, gainDB: Double = 0) {
        let g = gain(gainDB)
        for i in b.indices where offset + i < a.count && offset + i >= 0 {
            a[offset + i] = clip(Double(a[offset + i]) + Double(b[i]) * g)
        }
    }

    static func clip(_ x: Double) -> Int16 { Int16(max(-32768, min(32767, x.rounded()))) }

    /// White-ish line noise at `levelDB` dBFS.
    static func lineNoise(count: Int, levelDB: Double, seed: UInt64) -> [Int16] {
        var noise = NoiseSource(seed: seed)
        let amplitude = 32768 * gain(levelDB) * 3.0.squareRoot()
        return (0..<count).map { _ in clip(noise.next() * amplitude) }
    }

    /// A cough: band-limited noise with a fast attack and a decay, `length` long, peaking at `levelDB`.
    static func cough(length: Duration, levelDB: Double, seed: UInt64) -> [Int16] {
        var noise = NoiseSource(seed: seed)
        let count = Int(length.components.seconds) * rate + Int(length.components.attoseconds / 62_500_000_000_000)
        let amplitude = 32768 * gain(levelDB) * 2
        var low = 0.0
        return (0..<count).map { i in
            low += 0.35 * (noise.next() - low)  // a low-pass: a cough's energy sits low, like voice
            let t = Double(i) / Double(count)
            let envelope = t < 0.08 ? t / 0.08 : exp(-(t - 0.08) * 4)
            return clip(low * amplitude * envelope)
        }
    }

    /// Clicks and crackle: short impulses at random moments over `length`.
    static func crackle(length: Duration, levelDB: Double, seed: UInt64) -> [Int16] {
        var noise = NoiseSource(seed: seed)
        let count = Int(length.components.seconds) * rate + Int(length.components.attoseconds / 62_500_000_000_000)
        var out = [Int16](repeating: 0, count: count)
        var i = 0
        while i < count {
            let burst = 16 + Int(abs(noise.next()) * 48)
            for k in 0..<burst where i + k < count { out[i + k] = clip(noise.next() * 32768 * gain(levelDB) * exp(-Double(k) / 12)) }
            i += burst + 80 + Int(abs(noise.next()) * 900)
        }
        return out
    }
}
