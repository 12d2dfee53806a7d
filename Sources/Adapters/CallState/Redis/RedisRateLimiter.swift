import Domain
import Logging

/// Each key's token bucket in Redis (`voicegw:ratelimit:{key}`, a hash of tokens and last refill), so
/// that instances sharing Redis share each tenant's budget. One script call per request refills and
/// takes atomically; the time comes from the injected clock (instances' clocks agree through NTP, and a
/// skew only shifts a refill). When Redis cannot be reached the requests are counted by `fallback`
/// (this instance's own buckets) rather than let through unlimited.
public struct RedisRateLimiter: RateLimiter {
    private let connection: RedisConnection
    private let rate: Double
    private let burst: Int
    private let fallback: any RateLimiter
    private let clock: any Domain.Clock
    private let logger: Logger

    /// `rate` requests a second per key, `burst` at once.
    public init(connection: RedisConnection, rate: Double, burst: Int, fallback: any RateLimiter, clock: any Domain.Clock, logger: Logger) {
        self.connection = connection
        self.rate = rate
        self.burst = burst
        self.fallback = fallback
        self.clock = clock
        self.logger = logger
    }

    /// Refills the bucket for the time passed, takes a token if there is one; returns 0, or the
    /// milliseconds until one is there. A bucket untouched for a minute after it would be full again
    /// expires (Redis counts that minute on its own clock: the margin keeps the two apart).
    static let script = """
        local rate = tonumber(ARGV[1])
        local burst = tonumber(ARGV[2])
        local now = tonumber(ARGV[3])
        local state = redis.call('HMGET', KEYS[1], 't', 'at')
        local tokens = tonumber(state[1])
        local at = tonumber(state[2])
        if tokens == nil or at == nil then tokens = burst; at = now end
        if now > at then tokens = math.min(burst, tokens + (now - at) * rate / 1000); at = now end
        local wait = 0
        if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) * 1000 / rate) end
        redis.call('HSET', KEYS[1], 't', tostring(tokens), 'at', tostring(at))
        redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 60000)
        return wait
        """

    public func take(_ key: String) async -> Duration? {
        let now = clock.now().millisecondsSinceEpoch
        do {
            let reply = try await connection.command([
                "EVAL", Self.script, "1", "voicegw:ratelimit:\(key)", String(rate), String(burst), String(now),
            ])
            guard case .integer(let wait) = reply else {
                throw ProviderError(.badResponse, provider: "redis", "rate limit script: \(reply)")
            }
            return wait > 0 ? .milliseconds(wait) : nil
        } catch {
            logger.warning("shared rate limit unavailable; this instance counts alone", metadata: ["error": "\(error)"])
            return await fallback.take(key)
        }
    }
}
