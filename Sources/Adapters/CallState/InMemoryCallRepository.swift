import Domain

/// Call documents in process memory: the embedded default, and the reference behaviour every other
/// repository is checked against by the contract suite.
///
/// Ended calls are kept for `retention` after they end (like the TTL of the Redis documents), then
/// forgotten on the next write.
public actor InMemoryCallRepository: CallRepository {
    private var calls: [CallID: Call] = [:]
    private let retention: Duration
    private let clock: any Domain.Clock

    public init(retention: Duration = .seconds(3600), clock: any Domain.Clock) {
        self.retention = retention
        self.clock = clock
    }

    public func save(_ call: Call) async throws {
        evictExpired()
        guard calls[call.id] == nil else {
            throw CallError(.alreadyExists, callID: call.id, "a call with this id exists")
        }
        var stored = call
        stored.version = 1
        calls[call.id] = stored
    }

    public func get(_ id: CallID) async throws -> Call? {
        calls[id]
    }

    public func update<Result: Sendable>(
        _ id: CallID, _ body: @Sendable (inout Call) throws -> Result
    ) async throws -> (Call, Result) {
        guard var call = calls[id] else { throw CallError(.notFound, callID: id, "no such call") }
        let expected = call.version
        let result = try body(&call)
        // An actor has no concurrent writer between the read and the write; the check keeps the
        // contract honest should `body` tamper with the version.
        guard calls[id]?.version == expected else { throw CallError(.conflict, callID: id, "changed concurrently") }
        call.version = expected + 1
        call.updatedAt = clock.now()
        calls[id] = call
        return (call, result)
    }

    public func list(_ filter: CallFilter) async throws -> [Call] {
        evictExpired()
        return calls.values
            .filter(filter.matches)
            .sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
            .prefix(filter.limit)
            .map { $0 }
    }

    private func evictExpired() {
        let cutoff = clock.now().advanced(by: .zero - retention)
        calls = calls.filter { _, call in
            guard let ended = call.endedAt else { return true }
            return ended > cutoff
        }
    }
}
