import Domain
import Foundation
@testable import Media
import Testing

/// Frequency response of the converters, measured with pure tones (Goertzel on the settled output).
@Suite("Resampler frequency response")
struct FrequencyResponseTests {
    /// Output level of a tone at `frequency`, relative to the input, in dB; and the level of what appears
    /// at `alias` (a frequency the converter must not produce) relative to the input.
    static func response(_ frequency: Double, inputRate: Int, outputRate: Int, alias: Double? = nil,
                         _ convert: ([Int16]) -> [Int16]) -> (gain: Double, alias: Double) {
        let input = tone(frequency, rate: inputRate, seconds: 0.5, amplitude: 10_000)
        var output: [Int16] = []
        let frame = inputRate / 50
        for start in stride(from: 0, to: input.count, by: frame) { output += convert(Array(input[start..<min(start + frame, input.count)])) }
        let settled = Array(output.dropFirst(output.count / 4))
        let reference = Array(input.dropFirst(input.count / 4))
        let inLevel = goertzel(reference, frequency: frequency, rate: inputRate) / Double(reference.count)
        let outLevel = goertzel(settled, frequency: frequency, rate: outputRate) / Double(settled.count)
        let aliasLevel = alias.map { goertzel(settled, frequency: $0, rate: outputRate) / Double(settled.count) } ?? 0
        return (20 * log10(outLevel / inLevel), 20 * log10(max(aliasLevel, 1e-9) / inLevel))
    }

    @Test func halfBandDownsamplerRippleAndAliasing() {
        var gains: [Double] = []
        for frequency in stride(from: 100.0, through: 3400, by: 100) {
            var down = Downsampler2x()
            gains.append(Self.response(frequency, inputRate: 16_000, outputRate: 8_000) { down.process($0) }.gain)
        }
        let ripple = gains.max()! - gains.min()!
        #expect(ripple < 0.5, "passband ripple 100-3400 Hz: \(ripple) dB")
        // A tone above 4 kHz folds to 8000 - f. Measured: -11 dB at 4.2 kHz, -25 dB at 4.5 kHz (the
        // transition band of a half-band filter, above the 3.4 kHz telephone band), -51 dB at 4.8 kHz,
        // below -74 dB from 5.1 kHz.
        func worstAlias(_ band: StrideThrough<Double>) -> Double {
            band.map { frequency in
                var down = Downsampler2x()
                return Self.response(frequency, inputRate: 16_000, outputRate: 8_000, alias: 8_000 - frequency) { down.process($0) }.alias
            }.max()!
        }
        let near = worstAlias(stride(from: 4800.0, through: 5000, by: 100))
        let far = worstAlias(stride(from: 5100.0, through: 7900, by: 200))
        #expect(near < -50, "aliasing 4.8-5 kHz: \(near) dB")
        #expect(far < -70, "aliasing 5.1-7.9 kHz: \(far) dB")
    }

    @Test func halfBandUpsamplerRippleAndImages() {
        var gains: [Double] = []
        var images: [Double: Double] = [:]
        for frequency in stride(from: 100.0, through: 3400, by: 100) {
            var up = Upsampler2x()
            let r = Self.response(frequency, inputRate: 8_000, outputRate: 16_000, alias: 8_000 - frequency) { up.process($0) }
            gains.append(r.gain)
            images[frequency] = r.alias
        }
        let ripple = gains.max()! - gains.min()!
        #expect(ripple < 0.5, "passband ripple 100-3400 Hz: \(ripple) dB")
        // The image of f lands at 8 kHz - f. Measured: below -50 dB up to 3.2 kHz, -31 dB at 3.4 kHz
        // (its image, 4.6 kHz, is in the filter's transition band).
        let speechBand = images.filter { $0.key <= 3_200 }.values.max()!
        #expect(speechBand < -50, "worst image for 0.1-3.2 kHz: \(speechBand) dB")
        #expect(images[3_400]! < -30, "image of 3.4 kHz: \(images[3_400]!) dB")
    }

    // (8 kHz sources take the half-band path: SINC_FASTEST's 8 -> 16 kHz passband ends near 3 kHz.)
    @Test(arguments: [22_050, 24_000, 32_000, 44_100, 48_000])
    func libsamplerateToSixteenKilohertz(_ rate: Int) throws {
        var gains: [Double] = []
        for frequency in stride(from: 200.0, through: 3400, by: 400) {
            let converter = try #require(SampleRateConverter(from: rate, to: 16_000))
            gains.append(Self.response(frequency, inputRate: rate, outputRate: 16_000) { converter.process($0) }.gain)
        }
        #expect(gains.allSatisfy { abs($0) < 0.5 }, "\(rate) Hz: \(gains)")
        if rate > 16_000 {
            // 10 kHz is above the 8 kHz output Nyquist: it must not fold down to 6 kHz.
            let converter = try #require(SampleRateConverter(from: rate, to: 16_000))
            let r = Self.response(10_000, inputRate: rate, outputRate: 16_000, alias: 6_000) { converter.process($0) }
            #expect(r.alias < -40, "\(rate) Hz: 10 kHz aliases at \(r.alias) dB")
        }
    }
}
