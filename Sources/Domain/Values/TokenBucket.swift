/// A token bucket: up to `burst` requests at once, refilled at `rate` per second. A value: `take(at:)`
/// says whether a request may pass now, or how long until one may.
public struct TokenBucket: Sendable, Hashable {
    public let rate: Double
    public let burst: Double
    private var tokens: Double
    private var updated: Duration?

    /// `rate` > 0 tokens per second, `burst` >= 1.
    public init(rate: Double, burst: Int) {
        self.rate = rate
        self.burst = Double(max(1, burst))
        self.tokens = self.burst
    }

    /// Takes a token at `now` (monotonic): nil when the request may pass, else the wait until it may.
    public mutating func take(at now: Duration) -> Duration? {
        if let updated, now > updated {
            tokens = min(burst, tokens + (now - updated).seconds * rate)
        }
        updated = max(updated ?? now, now)
        if tokens >= 1 {
            tokens -= 1
            return nil
        }
        return .nanoseconds(Int64(((1 - tokens) / rate * 1e9).rounded(.up)))
    }
}
