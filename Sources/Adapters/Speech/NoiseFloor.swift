import Foundation

/// A faint, deterministic white-noise floor for the embedded recogniser's input.
///
/// pocketsphinx's en-us model takes the near-digital silence around speech on a G.711 call for its
/// silence phone and then swallows quiet speech with it; a floor of RMS 300 (about -41 dBFS, quieter than
/// a real line's noise) cut wrong intents on the fixture set the most of everything tried. The sequence is
/// seeded, so an utterance always decodes the same way.
enum NoiseFloor {
    /// `samples` with Gaussian white noise of `rms` added (clipped to 16 bits); unchanged when `rms` is 0.
    static func mixed(into samples: [Int16], rms: Double) -> [Int16] {
        guard rms > 0 else { return samples }
        var generator = SplitMix64(seed: 0x5EED_F100_2026)
        var out = samples
        var index = 0
        while index < out.count {
            // Box-Muller: two independent normals per pair of uniforms.
            let u1 = (Double(generator.next() >> 11) + 1) / 9_007_199_254_740_993.0
            let u2 = Double(generator.next() >> 11) / 9_007_199_254_740_992.0
            let radius = (-2 * log(u1)).squareRoot() * rms
            for value in [radius * cos(2 * .pi * u2), radius * sin(2 * .pi * u2)] where index < out.count {
                out[index] = Int16(clamping: Int((Double(out[index]) + value).rounded()))
                index += 1
            }
        }
        return out
    }
}

/// A small fast PRNG with a fixed seed (Swift's default generator cannot be seeded).
struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
