import Domain
import Synchronization

/// Idempotency claims in this process, expiring on the injected clock.
public final class InMemoryIdempotencyStore: IdempotencyStore {
    private let claims = Mutex<[String: (value: String, expires: Duration)]>([:])
    private let clock: any Domain.Clock

    public init(clock: any Domain.Clock) {
        self.clock = clock
    }

    public func claim(_ key: String, value: String, ttl: Duration) async throws(ProviderError) -> String? {
        let now = clock.monotonic()
        return claims.withLock { claims in
            if let earlier = claims[key], earlier.expires > now { return earlier.value }
            // Expired claims go when a new one is made, so the table holds only the keys of the last `ttl`.
            if claims.count >= 1024 { claims = claims.filter { $0.value.expires > now } }
            claims[key] = (value, now + ttl)
            return nil
        }
    }
}
