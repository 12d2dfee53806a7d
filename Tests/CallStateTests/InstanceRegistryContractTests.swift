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
        try await registry.heartbeat("b", ttl: .seconds(600))
        try await registry.heartbeat("a", ttl: .milliseconds(300))
        #expect(try await registry.knownInstances() == ["a", "b"])
        #expect(try await !registry.isAlive("zzz"))
        // The real TTL (Redis PEXPIRE) runs on the wall clock: wait for it to lapse, however slow the machine.
        #expect(await eventually { (try? await registry.isAlive("a")) == false }, "a's heartbeat never expired")
        #expect(try await registry.isAlive("b"))
        #expect(try await registry.knownInstances() == ["a", "b"])
        try await registry.remove("a")
        #expect(try await registry.knownInstances() == ["b"])
        try await registry.heartbeat("b", ttl: .seconds(600))
        #expect(try await registry.knownInstances() == ["b"])
    }
}

@Suite("Instance heartbeat service")
struct InstanceHeartbeatServiceTests {
    @Test func keepsTheInstanceAliveAndRemovesItWhenStopped() async throws {
        let clock = TestClock()
        let registry = InMemoryInstanceRegistry(clock: clock)
        let service = InstanceHeartbeatService(registry: registry, instance: "node-a", ttl: .seconds(15), clock: clock, logger: Logger(label: "t"))
        let task = Task { try await service.run() }
        // Four TTLs of virtual time, a third of a TTL at a time: renewed before each lapse, so always alive.
        for step in 0..<12 {
            #expect(await clock.waitForSleepers(1), "no heartbeat wait at step \(step)")
            #expect(try await registry.isAlive("node-a"), "lapsed at step \(step)")
            clock.advance(by: .seconds(5))
        }
        task.cancel()
        try await task.value
        #expect(try await registry.knownInstances().isEmpty)
    }

    @Test func aSilentInstanceLapsesAfterItsTTL() async throws {
        let clock = TestClock()
        let registry = InMemoryInstanceRegistry(clock: clock)
        try await registry.heartbeat("node-b", ttl: .seconds(15))
        clock.advance(by: .seconds(14))
        #expect(try await registry.isAlive("node-b"))
        clock.advance(by: .seconds(1))
        #expect(try await !registry.isAlive("node-b"))
        #expect(try await registry.knownInstances() == ["node-b"])
    }
}
