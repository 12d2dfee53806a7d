import Domain
@testable import Media
import Testing

/// The one-sample-at-a-time filters the SIMD converters replaced, kept as the reference.
private struct ReferenceDownsampler {
    let filter = HalfBandFilter()
    var history = [Float](repeating: 0, count: 46)
    var nextStart = 0

    mutating func process(_ input: [Int16]) -> [Int16] {
        let span = filter.taps.count, centre = (span - 1) / 2
        let side = stride(from: 1, through: centre, by: 2).map { filter.taps[centre + $0] }
        let x = history + input.map(Float.init)
        let first = nextStart
        let produced = first + span <= x.count ? (x.count - span - first) / 2 + 1 : 0
        var out: [Int16] = []
        for m in 0..<produced {
            let c = first + 2 * m + centre
            var acc = filter.taps[centre] * x[c]
            for j in 0..<side.count { acc += side[j] * (x[c - 2 * j - 1] + x[c + 2 * j + 1]) }
            out.append(clamp(acc))
        }
        nextStart = first + 2 * produced - (x.count - (span - 1))
        history = Array(x.suffix(span - 1))
        return out
    }
}

private struct ReferenceUpsampler {
    let taps: [Float] = {
        let filter = HalfBandFilter()
        let centre = (filter.taps.count - 1) / 2
        return stride(from: -centre, through: centre, by: 2).map { 2 * filter.taps[centre + $0] }
    }()
    var history = [Float](repeating: 0, count: 23)

    mutating func process(_ input: [Int16]) -> [Int16] {
        let x = history + input.map(Float.init)
        var out: [Int16] = []
        for i in 0..<input.count {
            var acc: Float = 0
            for k in 0..<taps.count { acc += taps[k] * x[i + k] }
            out.append(clamp(x[i + taps.count / 2 - 1]))
            out.append(clamp(acc))
        }
        history = Array(x.suffix(taps.count - 1))
        return out
    }
}

@Suite("Half-band converters (SIMD) against the scalar reference")
struct HalfBandSIMDTests {
    /// Loud noise with clipping peaks and a chunking that crosses every SIMD boundary.
    func chunks(rate: Int) -> [[Int16]] {
        var generator = SeededGenerator(seed: 42)
        let lengths = [320, 1, 7, 8, 9, 15, 16, 17, 160, 333, 2, 640]
        return lengths.map { length in (0..<length).map { _ in Int16.random(in: Int16.min...Int16.max, using: &generator) } }
    }

    @Test func downsamplerMatchesTheReferenceSampleForSample() {
        var fast = Downsampler2x()
        var reference = ReferenceDownsampler()
        for chunk in chunks(rate: 16_000) {
            #expect(fast.process(chunk) == reference.process(chunk))
        }
    }

    @Test func upsamplerMatchesTheReferenceSampleForSample() {
        var fast = Upsampler2x()
        var reference = ReferenceUpsampler()
        for chunk in chunks(rate: 8_000) {
            #expect(fast.process(chunk) == reference.process(chunk))
        }
    }
}

/// A small deterministic generator (xorshift) so that failures reproduce.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed | 1 }
    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
}

@Suite("In-place audio paths match the array ones")
struct InPlacePathTests {
    @Test(arguments: [true, false])
    func g711StraightIntoTheUpsamplerEqualsDecodingFirst(ulaw: Bool) {
        var direct = Upsampler2x()
        var reference = Upsampler2x()
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            let bytes = (0..<160).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let decoded = bytes.map(ulaw ? G711.ulawDecode : G711.alawDecode)
            let table = ulaw ? G711.ulawDecodeFloatTable : G711.alawDecodeFloatTable
            #expect(bytes.withUnsafeBytes { direct.process(g711: $0, table: table) } == reference.process(decoded))
        }
    }

    @Test func framesHandedOutInPlaceEqualTheReturnedFrames() {
        var inPlace = OutboundConverter(wireRate: 8_000)
        var returned = OutboundConverter(wireRate: 8_000)
        // Chunks of odd sizes, so frames straddle chunks and the 2:1 phase moves.
        for size in [333, 17, 640, 1, 999, 320] {
            let chunk = AudioFrame(samples: (0..<size).map { Int16(truncatingIfNeeded: $0 &* 7919) }, sampleRate: 16_000)
            var frames: [[Int16]] = []
            inPlace.append(chunk) { frames.append(Array($0)) }
            #expect(frames == returned.append(chunk))
            #expect(frames.allSatisfy { $0.count == 160 })
        }
        #expect(inPlace.finish() == returned.finish())
    }

    @Test func encodingThroughTheTableEqualsPerSampleEncoding() {
        let samples: [Int16] = (0..<320).map { Int16(truncatingIfNeeded: $0 &* 2654) }
        samples.withUnsafeBufferPointer { buffer in
            #expect(G711.encode(buffer, table: G711.ulawEncodeTable) == samples.map(G711.ulawEncode))
            #expect(G711.encode(buffer, table: G711.alawEncodeTable) == samples.map(G711.alawEncode))
        }
    }
}
