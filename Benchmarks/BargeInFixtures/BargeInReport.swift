import Application
import Foundation

/// The results of a fixture set: false and missed barge-ins, and how fast playback stopped.
public struct BargeInReport: Sendable {
    public var echoFixtures = 0
    /// Echo fixtures whose prompt was cut (the daemon interrupted itself).
    public var selfInterruptions = 0
    /// Echo fixtures whose prompt was held at least once (a gap the caller hears).
    public var echoHolds = 0
    public var noiseFixtures = 0
    /// Noise fixtures whose voice lasted the minimum speech: the daemon holds the prompt until the
    /// transcript, which for a noise is empty, and then plays on (a longer gap, not a cut).
    public var noiseHeard = 0
    /// Noise fixtures whose prompt was held (and went on).
    public var noiseHolds = 0
    public var interruptions = 0
    public var caught = 0
    /// The interruptions not caught.
    public var missed: [String] = []
    /// Stop delays of the caught interruptions (ms), sorted.
    public var stopDelaysMs: [Double] = []
    /// The echo fixtures that interrupted themselves.
    public var falseCuts: [String] = []
    /// The noise fixtures held for a transcript.
    public var heardNoises: [String] = []

    public init(_ outcomes: [BargeInOutcome]) {
        for outcome in outcomes {
            switch outcome.kind {
            case .echo:
                echoFixtures += 1
                if outcome.cut { selfInterruptions += 1; falseCuts.append(outcome.fixture) }
                if outcome.holds > 0 { echoHolds += 1 }
            case .noise:
                noiseFixtures += 1
                if outcome.cut { noiseHeard += 1; heardNoises.append(outcome.fixture) }
                if outcome.holds > 0 { noiseHolds += 1 }
            case .interruption:
                interruptions += 1
                if outcome.cut {
                    caught += 1
                    if let delay = outcome.stopDelayMs { stopDelaysMs.append(delay) }
                } else {
                    missed.append(outcome.fixture)
                }
            }
        }
        stopDelaysMs.sort()
    }

    public var caughtRatio: Double { interruptions == 0 ? 0 : Double(caught) / Double(interruptions) }

    /// The `p`-th percentile (0...1) of the stop delays.
    public func stopDelay(percentile p: Double) -> Double {
        guard !stopDelaysMs.isEmpty else { return 0 }
        return stopDelaysMs[min(stopDelaysMs.count - 1, Int((Double(stopDelaysMs.count - 1) * p).rounded()))]
    }

    /// One JSON line.
    public var json: String {
        let fields: [(String, String)] = [
            ("echo_fixtures", "\(echoFixtures)"), ("self_interruptions", "\(selfInterruptions)"), ("echo_holds", "\(echoHolds)"),
            ("noise_fixtures", "\(noiseFixtures)"), ("noise_held_for_transcript", "\(noiseHeard)"), ("noise_holds", "\(noiseHolds)"),
            ("interruptions", "\(interruptions)"), ("caught", "\(caught)"), ("caught_ratio", String(format: "%.3f", caughtRatio)),
            ("stop_ms_p50", "\(stopDelay(percentile: 0.5))"), ("stop_ms_p95", "\(stopDelay(percentile: 0.95))"),
            ("stop_ms_max", "\(stopDelaysMs.last ?? 0)"),
        ]
        return "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }
}
