/// When to reconnect the ARI event connection: exponential backoff with full jitter, first retry within
/// `initial`, never more than `cap`, reset by a connection that stayed up.
///
/// A plain value: feed it what happened, it says how long to wait. The random source is injected.
public struct ReconnectBackoff: Sendable {
    public var initial: Duration
    public var cap: Duration
    public var multiplier: Double
    /// A connection that lasted this long resets the backoff.
    public var stableAfter: Duration
    public private(set) var attempt = 0

    public init(initial: Duration = .milliseconds(250), cap: Duration = .seconds(30), multiplier: Double = 2, stableAfter: Duration = .seconds(10)) {
        self.initial = initial
        self.cap = cap
        self.multiplier = multiplier
        self.stableAfter = stableAfter
    }

    /// The upper bound of the next delay (before jitter).
    public var ceiling: Duration {
        let factor = pow2(multiplier, attempt)
        let nanos = min(Double(cap.components.seconds) * 1e9 + Double(cap.components.attoseconds) / 1e9,
                        (Double(initial.components.seconds) * 1e9 + Double(initial.components.attoseconds) / 1e9) * factor)
        return .nanoseconds(Int64(nanos))
    }

    /// A connection attempt failed or a connection dropped after `uptime`; returns how long to wait.
    /// `random` draws a fraction in 0..<1 (full jitter: the delay is uniform in [0, ceiling]).
    public mutating func failed(after uptime: Duration = .zero, random: () -> Double) -> Duration {
        if uptime >= stableAfter { attempt = 0 }
        let ceiling = self.ceiling
        attempt += 1
        let fraction = min(max(random(), 0), 1)
        // Never zero: a tight reconnect loop against a refusing server helps nobody.
        let delay = Duration.nanoseconds(Int64(Double(ceiling.components.seconds * 1_000_000_000 + ceiling.components.attoseconds / 1_000_000_000) * fraction))
        return max(delay, .milliseconds(10))
    }

    /// A connection came up.
    public mutating func connected() {}

    private func pow2(_ base: Double, _ exponent: Int) -> Double {
        var value = 1.0
        for _ in 0..<min(exponent, 64) { value *= base }
        return value
    }
}
