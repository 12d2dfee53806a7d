import Domain
import Synchronization

/// A token bucket per key, in this process, on the injected clock. Keys are tenants, so the table is as
/// small as the tenant list.
public final class InMemoryRateLimiter: RateLimiter {
    private let buckets = Mutex<[String: TokenBucket]>([:])
    private let rate: Double
    private let burst: Int
    private let clock: any Domain.Clock

    /// `rate` requests per second per key, `burst` at once.
    public init(rate: Double, burst: Int, clock: any Domain.Clock) {
        self.rate = rate
        self.burst = burst
        self.clock = clock
    }

    public func take(_ key: String) async -> Duration? {
        let now = clock.monotonic()
        return buckets.withLock { buckets in
            var bucket = buckets[key] ?? TokenBucket(rate: rate, burst: burst)
            defer { buckets[key] = bucket }
            return bucket.take(at: now)
        }
    }
}
