import Domain

/// Idempotency claims in Redis (`voicegw:idempotency:{key}`, `SET NX PX`): the first instance to claim a
/// key wins for every instance sharing Redis.
public struct RedisIdempotencyStore: IdempotencyStore {
    private let connection: RedisConnection

    public init(connection: RedisConnection) {
        self.connection = connection
    }

    public func claim(_ key: String, value: String, ttl: Duration) async throws(ProviderError) -> String? {
        let redisKey = "voicegw:idempotency:\(key)"
        // A claim that expires between the SET and the GET is claimed again.
        for _ in 0..<3 {
            let set = try await connection.command(["SET", redisKey, value, "NX", "PX", String(max(1, ttl.milliseconds))])
            switch set {
            case .status, .string: return nil
            case .null: break
            case .error(let message): throw ProviderError(.badRequest, provider: "redis", message)
            default: throw ProviderError(.badResponse, provider: "redis", "SET NX: \(set)")
            }
            let earlier = try await connection.command(["GET", redisKey])
            if case .string(let text) = earlier { return text }
            if case .error(let message) = earlier { throw ProviderError(.badRequest, provider: "redis", message) }
        }
        throw ProviderError(.unavailable, provider: "redis", "idempotency key \(key) kept expiring")
    }
}
