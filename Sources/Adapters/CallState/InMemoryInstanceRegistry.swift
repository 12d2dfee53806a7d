import Domain

/// Instance heartbeats in process memory: the embedded default (a single instance), and the reference
/// behaviour the Redis registry is checked against.
public actor InMemoryInstanceRegistry: InstanceRegistry {
    private var expiry: [InstanceID: Duration] = [:]
    private let clock: any Domain.Clock

    /// Liveness is judged on `clock.monotonic()`.
    public init(clock: any Domain.Clock) {
        self.clock = clock
    }

    public func heartbeat(_ instance: InstanceID, ttl: Duration) async throws {
        expiry[instance] = clock.monotonic() + ttl
    }

    public func knownInstances() async throws -> [InstanceID] {
        expiry.keys.sorted()
    }

    public func isAlive(_ instance: InstanceID) async throws -> Bool {
        guard let deadline = expiry[instance] else { return false }
        return clock.monotonic() < deadline
    }

    public func remove(_ instance: InstanceID) async throws {
        expiry[instance] = nil
    }
}
