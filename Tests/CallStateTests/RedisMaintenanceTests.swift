@testable import CallState
import Domain
import Logging
import TestSupport
import Testing

@Suite("Redis maintenance")
struct RedisMaintenanceTests {
    @Test func backoffDoublesUpToTheMaximumAndResets() {
        var backoff = ReconnectBackoff(initial: .milliseconds(100), maximum: .milliseconds(500))
        #expect(backoff.mayAttempt(at: .zero))
        var now = Duration.zero
        var delays: [Duration] = []
        for _ in 0..<5 {
            backoff.failed(at: now)
            let next = backoff.nextAttempt!
            delays.append(next - now)
            #expect(!backoff.mayAttempt(at: next - .milliseconds(1)))
            #expect(backoff.mayAttempt(at: next))
            now = next
        }
        #expect(delays == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(500), .milliseconds(500)])
        backoff.succeeded()
        #expect(backoff.mayAttempt(at: now))
        backoff.failed(at: now)
        #expect(backoff.nextAttempt! - now == .milliseconds(100))
    }

    /// A live call written by this instance outlives its TTL because `run()` keeps refreshing it: the key's
    /// TTL is cut short behind the repository's back (as if time had passed), and one maintenance round on
    /// the test clock sets it back to `liveTTL`.
    @Test(.enabled(if: redisInstalled)) func liveCallsOutliveTheirTTLWhileTheServiceRuns() async throws {
        let server = try #require(SharedRedis.server)
        let (_, database) = SharedRedis.freshRepositoryAndDatabase()
        let clock = TestClock()
        let configuration = RedisConfiguration(
            endpoint: RedisEndpoint(host: "127.0.0.1", port: server.port, database: database), liveTTL: .seconds(60),
            maintenanceInterval: .seconds(5))
        let repository = RedisCallRepository(configuration: configuration, clock: clock, logger: Logger(label: "ttl"))
        let call = Call(
            id: "ttl-1", tenantID: "t", channelID: "ch", conversationID: "v", direction: .inbound, callerNumber: "+15550000000",
            calleeNumber: "100", instanceID: "i1", createdAt: Timestamp(millisecondsSinceEpoch: 1))
        try await repository.save(call)
        let raw = RedisConnection(configuration: configuration, clock: clock, logger: Logger(label: "raw"))
        func ttl() async throws -> Int64 {
            guard case .integer(let milliseconds) = try await raw.command(["PTTL", "voicegw:call:ttl-1"]) else { return -3 }
            return milliseconds
        }
        #expect(try await ttl() > 50_000, "saved with liveTTL")
        // Redis counts real time: 20 s leaves room for a loaded machine to get to the refresh first.
        _ = try await raw.command(["PEXPIRE", "voicegw:call:ttl-1", "20000"])
        #expect(try await ttl() <= 20_000)

        let service = Task { try await repository.run() }
        #expect(await clock.waitForSleepers(1))
        clock.advance(by: .seconds(25))  // past a third of liveTTL: the next round refreshes
        #expect(try await eventually { try await ttl() > 50_000 }, "the TTL was not refreshed")
        service.cancel()
        try await service.value
        await raw.close()
    }

    /// An ended call's id leaves its instance's and tenant's sets once its document expired, though
    /// nobody lists those sets (an instance's set never is): maintenance prunes them every endedTTL / 6.
    @Test(.enabled(if: redisInstalled)) func expiredCallsLeaveTheSetsNobodyLists() async throws {
        let server = try #require(SharedRedis.server)
        let (_, database) = SharedRedis.freshRepositoryAndDatabase()
        let clock = TestClock()
        let configuration = RedisConfiguration(
            endpoint: RedisEndpoint(host: "127.0.0.1", port: server.port, database: database), liveTTL: .seconds(60), endedTTL: .seconds(1),
            maintenanceInterval: .seconds(5))
        let repository = RedisCallRepository(configuration: configuration, clock: clock, logger: Logger(label: "prune"))
        let raw = RedisConnection(configuration: configuration, clock: clock, logger: Logger(label: "raw"))
        func members(_ set: String) async throws -> [String] { try await raw.command(["SMEMBERS", set]).elements.compactMap(\.text).sorted() }
        for id in ["gone", "live"] {
            try await repository.save(Call(
                id: CallID(id), tenantID: "t", channelID: ChannelID("ch-\(id)"), conversationID: "v", direction: .inbound,
                callerNumber: "+15550000000", calleeNumber: "100", instanceID: "i1", createdAt: Timestamp(millisecondsSinceEpoch: 1)))
        }
        _ = try await repository.update("gone") { _ = try $0.end(reason: .callerHangup, at: Timestamp(millisecondsSinceEpoch: 2)) }
        // Redis expires the ended document on its own clock (1 s).
        #expect(try await eventually { try await raw.command(["EXISTS", "voicegw:call:gone"]) == .integer(0) }, "never expired")
        #expect(try await members("voicegw:instance:i1:calls") == ["gone", "live"])

        let service = Task { try await repository.run() }
        for _ in 0..<2 {  // the first round starts the prune period, the next one prunes
            #expect(await clock.waitForSleepers(1))
            clock.advance(by: .seconds(5))
        }
        #expect(try await eventually { try await members("voicegw:instance:i1:calls") == ["live"] }, "the instance set kept the expired call")
        #expect(try await eventually { try await members("voicegw:tenant:t:calls") == ["live"] }, "the tenant set kept the expired call")
        service.cancel()
        try await service.value
        await raw.close()
    }
}

@Suite("Redis cancellation")
struct RedisCancellationTests {
    /// A cancelled caller is not a Redis outage: the repository stays connected and nothing is queued.
    @Test(.enabled(if: redisInstalled)) func cancelledCallerDoesNotDegradeTheRepository() async throws {
        let repository = SharedRedis.freshRepository()
        try await repository.save(
            Call(
                id: "cx", tenantID: "t", channelID: "ch", conversationID: "v", direction: .inbound, callerNumber: "+15550000000",
                calleeNumber: "100", instanceID: "i1", createdAt: Timestamp(millisecondsSinceEpoch: 1)))
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await repository.update("cx") { $0.metadata["k"] = "v" }
        }
        _ = try? await task.value
        #expect(await repository.dependencyState() == .connected)
        #expect(await repository.pendingWriteCount == 0)
    }
}
