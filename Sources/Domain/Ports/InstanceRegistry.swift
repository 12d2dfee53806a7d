/// Which daemon instances are running, for restart reconciliation: a live instance ends the calls of
/// instances whose heartbeat expired (DESIGN.md, "State in Redis").
///
/// Each instance calls `heartbeat` well within `ttl` (a third of it is a good period); an instance that
/// stops doing so is no longer alive once `ttl` has passed, but stays known until `remove`d, so that a
/// peer can find it and take over its calls. Errors: a storage failure is a `ProviderError`.
public protocol InstanceRegistry: Sendable {
    /// Marks `instance` alive for `ttl` and adds it to the known instances.
    func heartbeat(_ instance: InstanceID, ttl: Duration) async throws

    /// Every instance that has sent a heartbeat and was not removed, alive or not, sorted by id.
    func knownInstances() async throws -> [InstanceID]

    /// Whether `instance`'s last heartbeat is younger than the `ttl` it announced.
    func isAlive(_ instance: InstanceID) async throws -> Bool

    /// Forgets `instance` (after its calls were taken over, or on clean shutdown).
    func remove(_ instance: InstanceID) async throws
}
