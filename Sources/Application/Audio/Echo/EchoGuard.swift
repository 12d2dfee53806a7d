import Foundation

/// Tells the caller's voice from the echo of the daemon's own prompt on the caller's leg.
///
/// On phone lines the caller's audio carries the prompt back, delayed (the echo path: network, jitter
/// buffers, the 2-to-4-wire hybrid, a speakerphone) and weaker by the echo return loss. A voice detector
/// alone takes that echo for speech, and the daemon interrupts itself. The guard is an echo-aware
/// threshold with the outbound signal as reference: it learns the echo path's delay and loss from the
/// frame levels of what was played and what came back, and counts a frame as the caller's only when it is
/// louder than the echo the reference predicts, by `marginDB`.
///
/// Per delay `d` (in frames, 0 up to `maxDelayFrames`) it keeps an exponential mean and spread of
/// `reference[t - d] - inbound[t]` over frames that are not the caller's; the delay with the steadiest
/// difference is the echo path's, its mean the return loss. Until it has seen `learningFrames` frames of
/// prompt at every delay it assumes the worst echo G.168 allows for (`minimumReturnLossDB`, 6 dB, from the loudest frame
/// within the delay window), so a fresh call never interrupts itself while the guard learns.
///
/// A value type, fed frame by frame; no allocation per frame.
public struct EchoGuard: Sendable {
    /// Tuning knobs.
    public struct Configuration: Sendable, Hashable {
        /// The longest echo delay looked for, in 20 ms frames (25: 500 ms).
        public var maxDelayFrames = 25
        /// How much louder than the predicted echo a frame must be to be the caller's.
        public var marginDB: Double = 6
        /// The return loss assumed before it is learnt (and the least ever assumed).
        public var minimumReturnLossDB: Double = 6
        /// How much slower the mean follows a smaller difference than a larger one (a caller's voice
        /// only ever makes it smaller).
        public var fallFraction = 1.0
        /// Frames either side of the learnt delay whose echo is expected too (timing jitter).
        public var jitterFrames = 1
        /// How many standard deviations of the learnt loss are taken off it (a safety for echo louder
        /// than usual).
        public var deviations: Double = 1
        /// Reference frames quieter than this (dBFS) predict no echo.
        public var referenceFloorDB: Double = -50
        /// Prompt frames seen at a delay before its estimate is trusted.
        public var learningFrames = 15
        /// Weight of a new frame in the exponential means (0.1: about half a second).
        public var smoothing: Double = 0.1
        public init() {}
    }

    /// The most a frame at the noise floor says about the return loss (an echo 40 dB down is none).
    static let boundCapDB = 40.0

    /// The settings it guards by.
    public let configuration: Configuration
    private var mean: [Double]
    private var spread: [Double]
    private var seen: [Int]
    /// How much of each spread's exponential weight has been filled (to correct its start-up bias).
    private var weight: [Double]

    /// A guard that has learnt nothing yet.
    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
        let count = configuration.maxDelayFrames + 1
        mean = Array(repeating: 0, count: count)
        spread = Array(repeating: 0, count: count)
        seen = Array(repeating: 0, count: count)
        weight = Array(repeating: 0, count: count)
    }

    /// The learnt echo path (delay in frames, return loss in dB), nil while still learning.
    public var echoPath: (delayFrames: Int, returnLossDB: Double)? {
        guard let delay = bestDelay() else { return nil }
        return (delay, mean[delay])
    }

    /// Whether a frame of level `level` (dBFS) that the voice detector called `voiced` is the caller's.
    /// `reference[d]` is the level of what was played `d` frames before this frame arrived (index 0: the
    /// frame playing now); missing entries count as silence. `floor` is the line's noise floor (dBFS).
    public mutating func isCallerSpeech(level: Double, voiced: Bool, floor: Double = -90, reference: [Double]) -> Bool {
        let depth = min(reference.count, configuration.maxDelayFrames + 1)
        var loudest = -200.0
        for d in 0..<depth where reference[d] > loudest { loudest = reference[d] }
        // Nothing played lately: nothing to echo.
        guard loudest > configuration.referenceFloorDB else { return voiced }
        let echo = predictedEcho(reference, depth: depth, loudest: loudest)
        let caller = voiced && level > echo + configuration.marginDB
        if !caller { learn(level: level, floor: floor, reference: reference, depth: depth) }
        return caller
    }

    /// The level the echo of `reference` has now, by the learnt path or, while learning, the worst case.
    private func predictedEcho(_ reference: [Double], depth: Int, loudest: Double) -> Double {
        guard let delay = bestDelay() else { return loudest - configuration.minimumReturnLossDB }
        // `jitterFrames` either side: packets, and the daemon's own scheduling, come with jitter.
        var near = -200.0
        let jitter = configuration.jitterFrames
        for d in max(0, delay - jitter)...min(depth - 1, delay + jitter) where reference[d] > near { near = reference[d] }
        let loss = max(configuration.minimumReturnLossDB, mean[delay] - configuration.deviations * steadiness(delay).squareRoot())
        return near - loss
    }

    /// Updates every delay's statistics with a frame that was not the caller's. A frame at the noise
    /// floor only says the loss is at least `reference - floor`; a louder one may still hold some of the
    /// caller's voice (which only makes the difference smaller), so the mean follows rises faster than
    /// falls: it tracks the echo, not the caller.
    private mutating func learn(level: Double, floor: Double, reference: [Double], depth: Int) {
        let a = configuration.smoothing
        let fall = a * configuration.fallFraction
        let audible = level > floor + 3
        let jitter = configuration.jitterFrames
        for d in 0..<depth {
            // Against the loudest frame within the jitter, as the prediction uses it.
            var near = -200.0
            for k in max(0, d - jitter)...min(depth - 1, d + jitter) where reference[k] > near { near = reference[k] }
            guard near > configuration.referenceFloorDB else { continue }
            // A bound from the floor is capped: a frame of jitter at a word's edge must not make it huge.
            let difference = audible ? near - level : min(near - floor, Self.boundCapDB)
            defer { seen[d] += 1 }
            if seen[d] == 0 {
                mean[d] = difference
                continue
            }
            let deviation = difference - mean[d]
            guard audible else {
                if deviation > 0 { mean[d] += fall * deviation }
                continue
            }
            mean[d] += deviation > 0 ? a * deviation : fall * deviation
            spread[d] = (1 - a) * (spread[d] + a * deviation * deviation)
            weight[d] = (1 - a) * weight[d] + a
        }
    }

    /// The variance of the difference at delay `d`, corrected for how few frames it has seen (0 while
    /// nothing audible came back: the loss is only known to be at least the mean).
    private func steadiness(_ d: Int) -> Double {
        weight[d] > 0 ? spread[d] / weight[d] : 0
    }

    /// The delay whose difference is steadiest, once every delay has been seen often enough (a delay
    /// seen early looks steady only because its echo has not arrived yet).
    private func bestDelay() -> Int? {
        var best = 0
        for d in 0..<seen.count {
            guard seen[d] >= configuration.learningFrames else { return nil }
            if steadiness(d) < steadiness(best) { best = d }
        }
        return best
    }
}
