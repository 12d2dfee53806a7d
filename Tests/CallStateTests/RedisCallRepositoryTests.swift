import CallState
import Domain
import Logging
import TestSupport
import Testing

/// Runs when redis-server is installed (`make test` installs it); skipped, not failed, otherwise.
let redisInstalled = ExternalBinary.onPath("redis-server") != nil

@Suite("Redis call repository")
struct RedisCallRepositoryTests {
    func makeCall(_ id: String, tenant: String = "t1", instance: InstanceID = "i1") -> Call {
        Call(
            id: CallID(id), tenantID: TenantID(tenant), channelID: ChannelID("ch-" + id), conversationID: ConversationID("v-" + id),
            direction: .inbound, callerNumber: "+15550000000", calleeNumber: "100", instanceID: instance,
            createdAt: Timestamp(millisecondsSinceEpoch: 1000))
    }

    @Test func urlParsing() throws {
        let full = try RedisEndpoint(url: "redis://:s3cr%40t@redis.example:6380/2")
        #expect(full == RedisEndpoint(host: "redis.example", port: 6380, password: "s3cr@t", database: 2))
        #expect(try RedisEndpoint(url: "redis://localhost") == RedisEndpoint(host: "localhost", port: 6379, database: 0))
        #expect(try RedisEndpoint(url: "redis://[::1]:7000/0").host == "::1")
        #expect(!full.description.contains("s3cr"))
        for bad in ["rediss://h:6379/0", "http://h", "redis://h:99999", "redis://h:6379/x", "redis://:pw@/0"] {
            #expect(throws: RedisEndpoint.Invalid.self) { try RedisEndpoint(url: bad) }
        }
        do {
            _ = try RedisEndpoint(url: "rediss://h:6379/0", key: "call_state.redis_url")
        } catch {
            #expect(error.description.hasPrefix("call_state.redis_url:"))
            #expect(error.description.contains("TLS"))
        }
    }

    @Test(.enabled(if: redisInstalled)) func sharedServerStarts() {
        #expect(SharedRedis.server != nil, "redis-server is installed but did not start")
    }

    /// Two instances write the same call: the second's cached copy is stale, and the update must still
    /// apply its rule to the stored call, not to the stale copy.
    @Test(.enabled(if: redisInstalled)) func staleCacheNeverDecidesAnUpdate() async throws {
        let (first, database) = SharedRedis.freshRepositoryAndDatabase()
        let second = RedisCallRepository(
            configuration: RedisConfiguration(endpoint: RedisEndpoint(host: "127.0.0.1", port: try #require(SharedRedis.server).port, database: database)),
            clock: WallClock(), logger: Logger(label: "second"))
        try await first.save(makeCall("shared"))
        _ = try await second.update("shared") { try $0.answer(at: Timestamp(millisecondsSinceEpoch: 2000)) }
        // `first` still caches the ringing call; activating needs the answered one from Redis.
        let (activated, _) = try await first.update("shared") { try $0.activate(at: Timestamp(millisecondsSinceEpoch: 3000)) }
        #expect(activated.state == .active)
        #expect(activated.version == 3)
        _ = try await second.update("shared") { $0.metadata["by"] = "second" }
        let (final, _) = try await first.update("shared") { $0.metadata["also"] = "first" }
        #expect(final.metadata == ["by": "second", "also": "first"])
        #expect(final.version == 5)
        await second.close()
    }

    @Test(.enabled(if: redisInstalled)) func documentUsesTheKeySchemaAndTTLs() async throws {
        let server = try #require(SharedRedis.server, "redis-server not installed")
        let (repo, database) = SharedRedis.freshRepositoryAndDatabase()
        try await repo.save(makeCall("doc-1", tenant: "acme", instance: "node-a"))
        let raw = try server.rawCommand("SELECT \(database)\r\nGET voicegw:call:doc-1\r\n")
        for field in ["\"call_id\":\"doc-1\"", "\"tenant_id\":\"acme\"", "\"instance_id\":\"node-a\"", "\"version\":1", "\"updated_at\"", "\"state\":\"ringing\""] {
            #expect(raw.contains(field), "document lacks \(field): \(raw)")
        }
        #expect(try server.rawCommand("SELECT \(database)\r\nSISMEMBER voicegw:tenant:acme:calls doc-1\r\n").hasSuffix(":1\r\n"))
        #expect(try server.rawCommand("SELECT \(database)\r\nSISMEMBER voicegw:instance:node-a:calls doc-1\r\n").hasSuffix(":1\r\n"))
        let liveTTL = try ttl(server, database, "voicegw:call:doc-1")
        #expect(liveTTL > 500 && liveTTL <= 600)
        _ = try await repo.update("doc-1") { try $0.end(reason: .callerHangup, at: Timestamp(millisecondsSinceEpoch: 2000)) }
        let endedTTL = try ttl(server, database, "voicegw:call:doc-1")
        #expect(endedTTL > 3000 && endedTTL <= 3600)
        // Moving a call to another instance (reconciliation takes it over) moves it between the sets.
        try await repo.save(makeCall("doc-2", instance: "node-a"))
        _ = try await repo.update("doc-2") { $0.instanceID = "node-b" }
        #expect(try await repo.list(CallFilter(instanceID: "node-a")).map(\.id) == ["doc-1"])
        #expect(try await repo.list(CallFilter(instanceID: "node-b")).map(\.id) == ["doc-2"])
        #expect(await repo.dependencyState() == .connected)
    }

    /// Redis is killed mid-run: the repository keeps serving from its cache (degraded), queues the
    /// writes, and writes them back in order once Redis is back. A fresh repository then sees it all.
    @Test(.enabled(if: redisInstalled)) func outageServesFromCacheAndWritesBack() async throws {
        let server = try #require(try RedisServerProcess(), "redis-server not installed")
        let configuration = RedisConfiguration(
            endpoint: RedisEndpoint(host: "127.0.0.1", port: server.port), reconnectInitial: .milliseconds(20),
            reconnectMaximum: .milliseconds(200), maintenanceInterval: .milliseconds(50))
        let repo = RedisCallRepository(configuration: configuration, clock: WallClock(), logger: Logger(label: "test"))
        for n in 0..<20 { try await repo.save(makeCall("c\(n)")) }
        for n in 0..<10 { _ = try await repo.update(CallID("c\(n)")) { try $0.answer(at: Timestamp(millisecondsSinceEpoch: 2000)) } }

        server.kill()
        // During the outage: reads from the cache, writes queued, health degraded.
        for n in 0..<10 { _ = try await repo.update(CallID("c\(n)")) { try $0.activate(at: Timestamp(millisecondsSinceEpoch: 3000)) } }
        for n in 0..<5 { _ = try await repo.update(CallID("c\(n)")) { try $0.end(reason: .callerHangup, at: Timestamp(millisecondsSinceEpoch: 4000)) } }
        for n in 20..<25 { try await repo.save(makeCall("c\(n)", tenant: "t2")) }
        #expect(await repo.dependencyState() == .degraded)
        #expect(try await repo.get("c3")?.state == .ended)
        #expect(try await repo.list(CallFilter(tenantID: "t2")).count == 5)
        #expect(await repo.pendingWriteCount == 20)
        await #expect(throws: CallError.self) { try await repo.save(makeCall("c21")) }

        try server.start()
        let maintenance = Task { try await repo.run() }
        defer { maintenance.cancel() }
        for _ in 0..<400 where await repo.dependencyState() != .connected { try await Task.sleep(for: .milliseconds(25)) }
        #expect(await repo.pendingWriteCount == 0)
        #expect(await repo.dependencyState() == .connected)

        let fresh = RedisCallRepository(configuration: configuration, clock: WallClock(), logger: Logger(label: "fresh"))
        let all = try await fresh.list(CallFilter())
        #expect(all.count == 25)
        let byID = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0) })
        for n in 0..<5 { #expect(byID[CallID("c\(n)")]?.state == .ended) ; #expect(byID[CallID("c\(n)")]?.version == 4) }
        for n in 5..<10 { #expect(byID[CallID("c\(n)")]?.state == .active) }
        for n in 10..<20 { #expect(byID[CallID("c\(n)")]?.state == .ringing) }
        #expect(try await fresh.list(CallFilter(tenantID: "t2")).count == 5)
        // Writes after the recovery go straight to Redis again.
        _ = try await repo.update("c7") { try $0.end(reason: .gatewayHangup, at: Timestamp(millisecondsSinceEpoch: 5000)) }
        #expect(try await fresh.get("c7")?.state == .ended)
        await repo.close()
        await fresh.close()
    }

    @Test(.enabled(if: redisInstalled)) func unknownCallDuringOutageIsUnavailableNotMissing() async throws {
        let server = try #require(try RedisServerProcess(), "redis-server not installed")
        let configuration = RedisConfiguration(endpoint: RedisEndpoint(host: "127.0.0.1", port: server.port))
        let writer = RedisCallRepository(configuration: configuration, clock: WallClock(), logger: Logger(label: "w"))
        try await writer.save(makeCall("x"))
        let reader = RedisCallRepository(configuration: configuration, clock: WallClock(), logger: Logger(label: "r"))
        server.kill()
        await #expect(throws: ProviderError.self) { try await reader.get("x") }
        #expect(await reader.dependencyState() == .degraded)
    }

    private func ttl(_ server: RedisServerProcess, _ database: Int, _ key: String) throws -> Int {
        let reply = try server.rawCommand("SELECT \(database)\r\nTTL \(key)\r\n")
        let last = reply.split(separator: "\r\n").last ?? ""
        return Int(last.dropFirst()) ?? -99
    }
}
