import CallState
import Domain
import Logging
import Synchronization
import TestSupport
import Testing

/// The contract every `CallRepository` adapter must meet. Adapters are added to `repositories`.
@Suite("CallRepository contract")
struct CallRepositoryContractTests {
    static let clock = FixedClock()
    static let repositories: [@Sendable () -> any CallRepository] = {
        var makers: [@Sendable () -> any CallRepository] = [
            { InMemoryCallRepository(retention: .seconds(60), clock: clock) },
        ]
        // Redis runs whenever redis-server is installed (`make test` installs it).
        if SharedRedis.server != nil { makers.append { SharedRedis.freshRepository() } }
        return makers
    }()

    func makeCall(_ id: String, tenant: String = "t1", at ms: Int64 = 1000) -> Call {
        Call(
            id: CallID(id), tenantID: TenantID(tenant), channelID: ChannelID("ch-" + id), conversationID: ConversationID("v-" + id),
            direction: .inbound, callerNumber: "+15550000000", calleeNumber: "100", instanceID: "i1",
            createdAt: Timestamp(millisecondsSinceEpoch: ms))
    }

    @Test(arguments: repositories)
    func saveGetAndVersioning(make: @Sendable () -> any CallRepository) async throws {
        let repo = make()
        try await repo.save(makeCall("a"))
        let stored = try #require(try await repo.get("a"))
        #expect(stored.version == 1)
        await #expect(throws: CallError.self) { try await repo.save(makeCall("a")) }
        let (updated, events) = try await repo.update("a") { try $0.answer(at: Timestamp(millisecondsSinceEpoch: 2000)) }
        #expect(updated.version == 2)
        #expect(updated.state == .answered)
        #expect(events.count == 1)
        #expect(try await repo.get("a")?.state == .answered)
        #expect(try await repo.get("missing") == nil)
    }

    @Test(arguments: repositories)
    func failedRuleLeavesTheCallUnchanged(make: @Sendable () -> any CallRepository) async throws {
        let repo = make()
        try await repo.save(makeCall("a"))
        await #expect(throws: CallError.self) {
            try await repo.update("a") { try $0.activate(at: Timestamp(millisecondsSinceEpoch: 5)) }
        }
        let call = try #require(try await repo.get("a"))
        #expect(call.state == .ringing)
        #expect(call.version == 1)
        await #expect(throws: CallError.self) { try await repo.update("nope") { _ in } }
    }

    @Test(arguments: repositories)
    func concurrentUpdatesAllApply(make: @Sendable () -> any CallRepository) async throws {
        let repo = make()
        try await repo.save(makeCall("a"))
        await withTaskGroup(of: Void.self) { group in
            for n in 0..<50 {
                group.addTask { _ = try? await repo.update("a") { $0.metadata["k\(n)"] = "v" } }
            }
        }
        let call = try #require(try await repo.get("a"))
        #expect(call.metadata.count == 50)
        #expect(call.version == 51)
    }

    @Test(arguments: repositories)
    func listFiltersAndOrders(make: @Sendable () -> any CallRepository) async throws {
        let repo = make()
        try await repo.save(makeCall("b", tenant: "t1", at: 2000))
        try await repo.save(makeCall("a", tenant: "t1", at: 1000))
        try await repo.save(makeCall("c", tenant: "t2", at: 3000))
        _ = try await repo.update("c") { try $0.end(reason: .callerHangup, at: Timestamp(millisecondsSinceEpoch: 3500)) }
        #expect(try await repo.list(CallFilter(tenantID: "t1")).map(\.id) == ["a", "b"])
        #expect(try await repo.list(CallFilter(states: [.ended])).map(\.id) == ["c"])
        #expect(try await repo.list(CallFilter(limit: 2)).map(\.id) == ["a", "b"])
        #expect(try await repo.list(CallFilter(instanceID: "other")).isEmpty)
    }
}

/// A clock that stands still (the repository only stamps `updatedAt` with it).
struct FixedClock: Domain.Clock {
    func now() -> Timestamp { Timestamp(millisecondsSinceEpoch: 4000) }
    func monotonic() -> Duration { .zero }
    func sleep(for duration: Duration) async throws { try await Task.sleep(for: duration) }
}

/// One redis-server for the contract suites; each repository gets its own flushed database so that
/// tests running in parallel do not see each other's calls.
enum SharedRedis {
    static let server: RedisServerProcess? = try? RedisServerProcess(databases: 256)
    private static let nextDatabase = Atomic(0)

    static func freshRepository(clock: any Domain.Clock = WallClock()) -> RedisCallRepository {
        freshRepositoryAndDatabase(clock: clock).0
    }

    static func freshRepositoryAndDatabase(clock: any Domain.Clock = WallClock()) -> (RedisCallRepository, Int) {
        let server = server!
        let database = nextDatabase.wrappingAdd(1, ordering: .relaxed).oldValue % 255 + 1
        _ = try? server.rawCommand("SELECT \(database)\r\nFLUSHDB\r\n")
        let endpoint = RedisEndpoint(host: "127.0.0.1", port: server.port, database: database)
        let repository = RedisCallRepository(configuration: RedisConfiguration(endpoint: endpoint), clock: clock, logger: Logger(label: "test"))
        return (repository, database)
    }
}
