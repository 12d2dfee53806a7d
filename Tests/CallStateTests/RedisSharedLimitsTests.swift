import Application
import CallState
import Domain
import Logging
import TestSupport
import Testing

/// The operator API's shared limits in Redis: a tenant's request budget and outbound idempotency keys
/// hold across instances (two limiters or stores over two connections play two daemons). They use
/// database 0, which the contract suites' rotating flushed databases (1-255) never touch, with keys of
/// their own.
@Suite("Redis: shared rate limit and idempotency keys")
struct RedisSharedLimitsTests {
    static func connection(database: Int) -> RedisConnection {
        let endpoint = RedisEndpoint(host: "127.0.0.1", port: SharedRedis.server!.port, database: database)
        // Generous timeouts: on a loaded machine a 1 s command timeout sends a request to the fallback.
        let configuration = RedisConfiguration(endpoint: endpoint, connectTimeout: .seconds(30), commandTimeout: .seconds(30))
        return RedisConnection(configuration: configuration, clock: WallClock(), logger: Logger(label: "test"))
    }

    @Test(.enabled(if: SharedRedis.server != nil))
    func twoInstancesShareATenantsBudget() async throws {
        let database = 0
        let (acme, globex) = ("acme-\(UInt64.random(in: 0...UInt64.max))", "globex-\(UInt64.random(in: 0...UInt64.max))")
        let clock = TestClock()
        func limiter() -> RedisRateLimiter {
            RedisRateLimiter(
                connection: Self.connection(database: database), rate: 2, burst: 2,
                fallback: InMemoryRateLimiter(rate: 2, burst: 2, clock: clock), clock: clock, logger: Logger(label: "test"))
        }
        let (a, b) = (limiter(), limiter())
        #expect(await a.take(acme) == nil)
        #expect(await b.take(acme) == nil)
        let wait = try #require(await a.take(acme), "a third request within the burst passed")
        #expect(wait == .milliseconds(500))
        #expect(await b.take(globex) == nil, "another tenant has its own bucket")
        clock.advance(by: .milliseconds(500))
        #expect(await b.take(acme) == nil)
        #expect(await a.take(acme) != nil)
    }

    @Test func anUnreachableRedisFallsBackToThisInstancesBuckets() async throws {
        let clock = TestClock()
        let dead = RedisConnection(
            configuration: RedisConfiguration(endpoint: RedisEndpoint(host: "127.0.0.1", port: 1, database: 0)), clock: clock, logger: Logger(label: "test"))
        let limiter = RedisRateLimiter(
            connection: dead, rate: 1, burst: 1, fallback: InMemoryRateLimiter(rate: 1, burst: 1, clock: clock), clock: clock, logger: Logger(label: "test"))
        #expect(await limiter.take("acme") == nil)
        #expect(await limiter.take("acme") != nil, "without Redis the limit still holds")
    }

    @Test(.enabled(if: SharedRedis.server != nil))
    func theFirstClaimOfAKeyWinsForEveryInstance() async throws {
        let database = 0
        let key = "acme/k-\(UInt64.random(in: 0...UInt64.max))"
        let a = RedisIdempotencyStore(connection: Self.connection(database: database))
        let b = RedisIdempotencyStore(connection: Self.connection(database: database))
        #expect(try await a.claim(key, value: "call-1|x", ttl: .seconds(60)) == nil)
        #expect(try await b.claim(key, value: "call-2|x", ttl: .seconds(60)) == "call-1|x")
        #expect(try await b.claim(key + "-2", value: "call-3|y", ttl: .seconds(60)) == nil)
        let memory = InMemoryIdempotencyStore(clock: TestClock())
        #expect(try await memory.claim("k", value: "1", ttl: .seconds(1)) == nil)
        #expect(try await memory.claim("k", value: "2", ttl: .seconds(1)) == "1")
    }
}
