import Domain

/// Channel claims in Redis, shared by the instances of one deployment: `SET voicegw:channel:{id}:claim
/// <instance> NX`, so the first instance wins atomically. A claim lasts `ttl` (a day by default: far
/// longer than a call, and Asterisk never reuses a channel id).
public struct RedisChannelClaims: ChannelClaims {
    private let connection: RedisConnection
    private let ttl: Duration

    /// Claims over `connection` (e.g. `RedisCallRepository.sharedConnection`).
    public init(connection: RedisConnection, ttl: Duration = .seconds(86_400)) {
        self.connection = connection
        self.ttl = ttl
    }

    public func claim(_ channel: ChannelID, for instance: InstanceID) async throws -> Bool {
        let key = RedisKeys.channelClaim(channel)
        let set = try await connection.command(["SET", key, instance.rawValue, "NX", "PX", String(max(1, ttl.milliseconds))])
        if case .error(let message) = set { throw ProviderError(.badRequest, provider: "redis", message) }
        if set.text == "OK" { return true }
        // Taken: by this instance already (a repeated event), or by another.
        let holder = try await connection.command(["GET", key])
        if case .error(let message) = holder { throw ProviderError(.badRequest, provider: "redis", message) }
        return holder.text == instance.rawValue
    }
}
