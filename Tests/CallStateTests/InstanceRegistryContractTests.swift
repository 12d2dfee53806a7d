import CallState
import Domain
import Logging
import TestSupport
import Testing

/// The contract of `InstanceRegistry`, over the in-memory and the Redis registry.
@Suite("InstanceRegistry contract")
struct InstanceRegistryContractTests {
    static let registries: [@Sendable () -> any InstanceRegistry] = {
        var makers: [@Sendable () -> any InstanceRegistry] = [{ InMemoryInstanceRegistry(clock: WallClock()) }]
        if SharedRedis.server != nil {
            makers.append { RedisInstanceRegistry(connection: SharedRedis.freshRepository().sharedConnection, clock: WallClock()) }
        }
        return makers
    }()

    @Test(arguments: registries)
    func heartbeatsExpireButInstancesStayKnownUntilRemoved(make: @Sendable () -> any InstanceRegistry) async throws {
        let registry = make()
        #expect(try await registry.knownInstances().isEmpty)
        try await registry.heartbeat("b", ttl: .seconds(30))
        try await registry.heartbeat("a", ttl: .milliseconds(1000))
        #expect(try await registry.knownInstances() == ["a", "b"])
        #expect(try await registry.isAlive("a"))
        #expect(try await !registry.isAlive("zzz"))
        try await Task.sleep(for: .milliseconds(1500))
        #expect(try await !registry.isAlive("a"))
        #expect(try await registry.isAlive("b"))
        #expect(try await registry.knownInstances() == ["a", "b"])
        try await registry.remove("a")
        #expect(try await registry.knownInstances() == ["b"])
        try await registry.heartbeat("b", ttl: .seconds(30))
        #expect(try await registry.knownInstances() == ["b"])
    }
}

@Suite("Instance heartbeat service")
struct InstanceHeartbeatServiceTests {
    @Test func keepsTheInstanceAliveAndRemovesItWhenStopped() async throws {
        let registry = InMemoryInstanceRegistry(clock: WallClock())
        let service = InstanceHeartbeatService(registry: registry, instance: "node-a", ttl: .milliseconds(1500), clock: WallClock(), logger: Logger(label: "t"))
        let task = Task { try await service.run() }
        try await Task.sleep(for: .milliseconds(2500))
        // Well past one TTL it is still alive: the heartbeat was renewed. (Generous times: CI runs tests in parallel.)
        #expect(try await registry.isAlive("node-a"))
        task.cancel()
        try await task.value
        #expect(try await registry.knownInstances().isEmpty)
    }
}
