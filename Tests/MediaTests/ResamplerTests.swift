import Domain
import Foundation
@testable import Media
import Testing

func tone(_ frequency: Double, rate: Int, seconds: Double, amplitude: Double = 10_000) -> [Int16] {
    (0..<Int(Double(rate) * seconds)).map { Int16(amplitude * sin(2 * .pi * frequency * Double($0) / Double(rate))) }
}

func rms(_ samples: ArraySlice<Int16>) -> Double {
    (samples.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(samples.count, 1))).squareRoot()
}

/// Gain in dB of a tone through `convert`, measured after the filter settles, frame by frame.
func gainDB(_ frequency: Double, inputRate: Int, frame: Int, _ convert: ([Int16]) -> [Int16]) -> Double {
    let input = tone(frequency, rate: inputRate, seconds: 0.5)
    var output: [Int16] = []
    for start in stride(from: 0, to: input.count, by: frame) { output += convert(Array(input[start..<min(start + frame, input.count)])) }
    return 20 * log10(rms(output.dropFirst(output.count / 4)) / rms(input.dropFirst(input.count / 4)))
}

@Suite("Resampling")
struct ResamplerTests {
    @Test func halfBandDownsamplerPassbandAndStopband() {
        for frequency in [300.0, 1000, 2000, 3000, 3400] {
            var down = Downsampler2x()
            let gain = gainDB(frequency, inputRate: 16_000, frame: 320) { down.process($0) }
            #expect(abs(gain) < 1, "\(frequency) Hz: \(gain) dB")
        }
        for frequency in [5000.0, 6000, 7000] {
            var down = Downsampler2x()
            let gain = gainDB(frequency, inputRate: 16_000, frame: 320) { down.process($0) }
            #expect(gain < -30, "\(frequency) Hz aliases at \(gain) dB")
        }
    }

    @Test func thirdBandDownsamplerFrom24kHzPassbandAndStopband() {
        for frequency in [300.0, 1000, 2000, 3000, 3400] {
            var down = Downsampler3x()
            let gain = gainDB(frequency, inputRate: 24_000, frame: 2400) { down.process($0) }
            #expect(abs(gain) < (frequency < 3000 ? 0.1 : 1), "\(frequency) Hz: \(gain) dB")
        }
        // What would fold back into the telephone band (4.6-12 kHz lands on 3.4-4 kHz and below).
        for frequency in [4_600.0, 6_000, 8_000, 10_000, 11_500] {
            var down = Downsampler3x()
            let gain = gainDB(frequency, inputRate: 24_000, frame: 2400) { down.process($0) }
            #expect(gain < -60, "\(frequency) Hz aliases at \(gain) dB")
        }
        // Chunks of any length give the same samples as the whole.
        let input = tone(700, rate: 24_000, seconds: 0.3)
        var whole = Downsampler3x()
        let reference = whole.process(input)
        var pieces = Downsampler3x()
        var chunked: [Int16] = []
        var start = 0
        for size in [1, 2, 5, 2400, 7, 311, 4000, 1] + Array(repeating: 1000, count: 8) where start < input.count {
            chunked += pieces.process(Array(input[start..<min(start + size, input.count)]))
            start += size
        }
        #expect(chunked == reference && reference.count == input.count / 3)
        // The playback path picks it for 24 kHz speech to G.711.
        var converter = OutboundConverter(wireRate: 8_000)
        let frames = converter.append(AudioFrame(samples: input, sampleRate: 24_000))
        #expect(Array(frames.joined()) == Array(reference.prefix(frames.count * 160)))
    }

    @Test func halfBandUpsamplerPassbandAndImageRejection() {
        for frequency in [300.0, 1000, 3000, 3400] {
            var up = Upsampler2x()
            let gain = gainDB(frequency, inputRate: 8_000, frame: 160) { up.process($0) }
            #expect(abs(gain) < 1, "\(frequency) Hz: \(gain) dB")
        }
        // A 1 kHz tone at 8 kHz has an image at 7 kHz after zero stuffing; it must be gone.
        var up = Upsampler2x()
        let input = tone(1000, rate: 8_000, seconds: 0.5)
        let output = up.process(input)
        let image = goertzel(Array(output.dropFirst(2000)), frequency: 7000, rate: 16_000)
        let wanted = goertzel(Array(output.dropFirst(2000)), frequency: 1000, rate: 16_000)
        #expect(20 * log10(image / wanted) < -30)
    }

    @Test func oddChunkLengthsKeepThePhase() {
        let input = tone(1000, rate: 16_000, seconds: 0.2)
        var whole = Downsampler2x()
        let reference = whole.process(input)
        var pieces = Downsampler2x()
        var chunked: [Int16] = []
        var start = 0
        for size in [7, 313, 1, 2, 400, 99] where start < input.count {
            chunked += pieces.process(Array(input[start..<min(start + size, input.count)]))
            start += size
        }
        chunked += pieces.process(Array(input[min(start, input.count)...]))
        #expect(chunked == reference)
    }

    @Test func libsamplerateConvertsProviderRates() throws {
        for rate in [22_050, 24_000, 44_100, 48_000] {
            let converter = try #require(SampleRateConverter(from: rate, to: 8_000))
            let input = tone(1000, rate: rate, seconds: 1)
            var output: [Int16] = []
            for start in stride(from: 0, to: input.count, by: rate / 50) {
                output += converter.process(Array(input[start..<min(start + rate / 50, input.count)]))
            }
            output += converter.process([], final: true)
            #expect(abs(output.count - 8_000) <= 16, "\(rate): \(output.count) samples")
            let level = 20 * log10(rms(output[2000..<6000]) / rms(input[...]))
            #expect(abs(level) < 1, "\(rate): \(level) dB")
        }
    }

    @Test func outboundConverterMakesExactFrames() {
        var converter = OutboundConverter(wireRate: 8_000)
        var frames = converter.append(AudioFrame(samples: tone(440, rate: 22_050, seconds: 0.5), sampleRate: 22_050))
        if let last = converter.finish() { frames.append(last) }
        #expect(frames.allSatisfy { $0.count == 160 })
        #expect((24...26).contains(frames.count))
    }
}

/// Magnitude of one frequency (Goertzel).
func goertzel(_ samples: [Int16], frequency: Double, rate: Int) -> Double {
    let coefficient = 2 * cos(2 * .pi * frequency / Double(rate))
    var s1 = 0.0, s2 = 0.0
    for sample in samples {
        let s0 = Double(sample) + coefficient * s1 - s2
        s2 = s1
        s1 = s0
    }
    return (s1 * s1 + s2 * s2 - coefficient * s1 * s2).squareRoot()
}
