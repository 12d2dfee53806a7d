import Domain
import Logging
import ServiceLifecycle

/// Call documents in Redis (key schema of DESIGN.md), with compare-and-set on `version`.
///
/// Redis down: reads are served from an in-memory cache of the calls this instance saw (entries live
/// `cacheTTL` after their last use; calls written here and still live are pinned), writes go to the cache
/// and to an ordered write-back queue, and `dependencyState()` is `degraded`. When Redis answers again
/// the queue is written back in order (newer version wins) before any new write goes to Redis.
/// `run()` (a `Service`) refreshes the TTL of live calls written here and retries the write-back.
public actor RedisCallRepository: CallRepository, HealthReporting, Service {
    struct CacheEntry {
        var call: Call
        var touched: Duration
    }

    let connection: RedisConnection
    let configuration: RedisConfiguration
    let clock: any Domain.Clock
    let logger: Logger
    var cache: [CallID: CacheEntry] = [:]
    /// Live calls written by this instance: pinned in the cache, TTL refreshed by `run()`.
    var owned: Set<CallID> = []
    /// Writes made while Redis was down, oldest first.
    var pending: [Call] = []
    var redisDown = false
    var writingBack = false
    var scriptSHA: String?
    /// The tenant and instance sets this repository added calls to: pruned of expired calls every
    /// `endedTTL / 6` (listing prunes a set too, but an instance's set is never listed).
    var indexSets: Set<String> = []
    var lastPrune: Duration?

    /// A repository over its own connection to `configuration.endpoint`.
    public init(configuration: RedisConfiguration, clock: any Domain.Clock, logger: Logger) {
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.connection = RedisConnection(configuration: configuration, clock: clock, logger: logger)
    }

    public nonisolated var dependencyName: String { "redis" }

    /// `connected` when Redis answers and nothing waits for write-back, `degraded` otherwise (calls are
    /// still served from the cache).
    public func dependencyState() async -> DependencyState {
        redisDown || !pending.isEmpty ? .degraded : .connected
    }

    /// How many writes wait for Redis to come back.
    public var pendingWriteCount: Int { pending.count }

    public func save(_ call: Call) async throws {
        var stored = call
        stored.version = 1
        if await redisUsable() {
            do {
                switch try await write(.create, stored, expected: 0, previous: nil) {
                case .ok: remember(stored, owned: true); return
                case .exists: throw CallError(.alreadyExists, callID: call.id, "a call with this id exists")
                default: throw ProviderError(.badResponse, provider: "redis", "unexpected script outcome")
                }
            } catch let error as ProviderError where isConnectionFailure(error) {
                markDown(error)
            }
        }
        evictExpired()
        guard cache[call.id] == nil else { throw CallError(.alreadyExists, callID: call.id, "a call with this id exists") }
        remember(stored, owned: true)
        pending.append(stored)
    }

    public func get(_ id: CallID) async throws -> Call? {
        if await redisUsable() {
            do {
                let reply = try await connection.command(["GET", RedisKeys.call(id)])
                guard let text = reply.text else { return nil }
                let call = try CallDocument.decode(text)
                remember(call, owned: false)
                return call
            } catch let error where isConnectionFailure(error) {
                markDown(error)
            }
        }
        return try cached(id)
    }

    public func update<Result: Sendable>(
        _ id: CallID, _ body: @Sendable (inout Call) throws -> Result
    ) async throws -> (Call, Result) {
        if await redisUsable() {
            do {
                return try await updateInRedis(id, body)
            } catch let error as ProviderError where isConnectionFailure(error) {
                markDown(error)
            }
        }
        guard var call = try cached(id) else { throw CallError(.notFound, callID: id, "no such call") }
        let expected = call.version
        let result = try body(&call)
        call.version = expected + 1
        call.updatedAt = clock.now()
        remember(call, owned: true)
        pending.append(call)
        return (call, result)
    }

    public func list(_ filter: CallFilter) async throws -> [Call] {
        var calls: [Call]
        if await redisUsable() {
            do {
                calls = try await listFromRedis(filter)
            } catch let error as ProviderError where isConnectionFailure(error) {
                markDown(error)
                calls = cachedCalls()
            }
        } else {
            calls = cachedCalls()
        }
        return calls.filter(filter.matches)
            .sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
            .prefix(filter.limit)
            .map { $0 }
    }

    /// Refreshes TTLs and retries the write-back every `maintenanceInterval` until cancelled or shut
    /// down gracefully; makes a last write-back attempt on the way out.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var lastRefresh = self.clock.monotonic()
            while !Task.isCancelled {
                do { try await self.clock.sleep(for: self.configuration.maintenanceInterval) } catch { break }
                await self.maintain(lastRefresh: &lastRefresh)
            }
        }
        // Not inheriting the cancellation that ended the loop: the last write-back has to run.
        _ = await Task { await self.writeBack() }.value
    }

    /// Closes the connection (tests use it to simulate a crash; `run()` does not call it).
    public func close() async {
        await connection.close()
    }
}
