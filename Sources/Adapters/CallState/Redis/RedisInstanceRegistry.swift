import Domain

/// Instance heartbeats in Redis: `voicegw:instance:{id}:alive` (value: the heartbeat time, expiring after
/// the announced TTL) and the `voicegw:instances` set of every instance not yet removed.
///
/// It shares the repository's connection so that one socket serves an instance's call state.
public struct RedisInstanceRegistry: InstanceRegistry {
    private let connection: RedisConnection
    private let clock: any Domain.Clock

    /// A registry over `connection` (e.g. `RedisCallRepository.connection` or its own).
    public init(connection: RedisConnection, clock: any Domain.Clock) {
        self.connection = connection
        self.clock = clock
    }

    public func heartbeat(_ instance: InstanceID, ttl: Duration) async throws {
        let millis = String(max(1, ttl.milliseconds))
        let replies = try await connection.pipeline([
            ["SET", RedisKeys.alive(instance), clock.now().rfc3339, "PX", millis],
            ["SADD", RedisKeys.instances, instance.rawValue],
        ])
        try check(replies)
    }

    public func knownInstances() async throws -> [InstanceID] {
        let reply = try await connection.command(["SMEMBERS", RedisKeys.instances])
        try check([reply])
        return reply.elements.compactMap(\.text).map(InstanceID.init(rawValue:)).sorted()
    }

    public func isAlive(_ instance: InstanceID) async throws -> Bool {
        let reply = try await connection.command(["EXISTS", RedisKeys.alive(instance)])
        try check([reply])
        return reply == .integer(1)
    }

    public func remove(_ instance: InstanceID) async throws {
        try check(try await connection.pipeline([["DEL", RedisKeys.alive(instance)], ["SREM", RedisKeys.instances, instance.rawValue]]))
    }

    private func check(_ replies: [RedisValue]) throws(ProviderError) {
        for case .error(let message) in replies { throw ProviderError(.badRequest, provider: "redis", message) }
    }
}

extension RedisCallRepository {
    /// The repository's connection, to share with `RedisInstanceRegistry`.
    public nonisolated var sharedConnection: RedisConnection { connection }
}
