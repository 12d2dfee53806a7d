import Domain
import Foundation

/// Decides per 20 ms frame whether the caller is speaking: frame energy against an adaptive noise floor,
/// with a zero-crossing-rate check that rejects hiss.
///
/// A value type: feed it frames in order, read the decision. Cheap enough for every frame of every call.
public struct VoiceActivityDetector: Sendable {
    /// Tuning knobs.
    public struct Configuration: Sendable, Hashable {
        /// Frames quieter than this (dBFS) are never speech.
        public var absoluteThresholdDB: Double = -45
        /// A frame must be this much above the noise floor to count as speech.
        public var marginOverNoiseDB: Double = 9
        /// Frames whose zero-crossing rate is above this fraction are treated as noise.
        public var maxZeroCrossingRate: Double = 0.45
        public init() {}
    }

    public let configuration: Configuration
    /// The current estimate of background noise (dBFS).
    public private(set) var noiseFloorDB: Double = -60
    /// Minimum level of each recent 200 ms block: the floor is their minimum over about 5 s, so steady
    /// noise (fans, line hum, hold tones) becomes the floor while speech, which always dips between
    /// syllables, does not.
    private var blockMinima: [Double] = []
    private var currentBlockMin: Double = .infinity
    private var framesInBlock = 0
    private static let framesPerBlock = 10
    private static let blocksKept = 25

    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    /// Level of `frame` in dBFS (-100 for digital silence).
    public static func levelDB(_ samples: [Int16]) -> Double {
        samples.withUnsafeBufferPointer { levelDB($0) }
    }

    /// Level of `samples` in dBFS (-100 for digital silence).
    public static func levelDB(_ samples: UnsafeBufferPointer<Int16>) -> Double {
        guard !samples.isEmpty else { return -100 }
        // Integer squares: exact (a frame's sum fits easily in 64 bits) and vectorised.
        var sum: Int64 = 0
        for s in samples { sum &+= Int64(s) * Int64(s) }
        let rms = (Double(sum) / Double(samples.count)).squareRoot()
        guard rms > 0.5 else { return -100 }
        return 20 * log10(rms / 32768)
    }

    /// Fraction of adjacent sample pairs that change sign.
    public static func zeroCrossingRate(_ samples: [Int16]) -> Double {
        guard samples.count > 1 else { return 0 }
        let crossings = samples.withUnsafeBufferPointer { x in
            var crossings = 0
            for i in 1..<x.count { crossings &+= Int((x[i - 1] ^ x[i]) >> 15) & 1 }
            return crossings
        }
        return Double(crossings) / Double(samples.count - 1)
    }

    /// Classifies `frame` and updates the noise floor.
    public mutating func isSpeech(_ frame: AudioFrame) -> Bool { classify(frame).speech }

    /// Classifies `frame`, updates the noise floor, and tells the frame's level (dBFS).
    public mutating func classify(_ frame: AudioFrame) -> (speech: Bool, level: Double) {
        let level = Self.levelDB(frame.samples)
        let zcr = Self.zeroCrossingRate(frame.samples)
        let threshold = max(configuration.absoluteThresholdDB, noiseFloorDB + configuration.marginOverNoiseDB)
        let speech = level > threshold && zcr < configuration.maxZeroCrossingRate
        currentBlockMin = min(currentBlockMin, level)
        framesInBlock += 1
        if framesInBlock == Self.framesPerBlock {
            blockMinima.append(currentBlockMin)
            if blockMinima.count > Self.blocksKept { blockMinima.removeFirst() }
            currentBlockMin = .infinity
            framesInBlock = 0
            if blockMinima.count >= 5, let lowest = blockMinima.min() {
                noiseFloorDB = max(lowest, -90)
            }
        }
        return (speech, level)
    }
}
