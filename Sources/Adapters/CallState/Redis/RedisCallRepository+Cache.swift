import Domain
import Logging

extension RedisCallRepository {
    /// Whether operations may go to Redis now: it is up and nothing waits for write-back (so new
    /// writes never overtake queued ones). Tries the write-back first when it is due.
    func redisUsable() async -> Bool {
        if !redisDown && pending.isEmpty { return true }
        return await writeBack()
    }

    /// Whether `error` means Redis could not be reached (as opposed to a refused command).
    nonisolated func isConnectionFailure(_ error: any Error) -> Bool {
        guard let error = error as? ProviderError else { return false }
        return error.kind == .network || error.kind == .timeout || error.kind == .unavailable
    }

    func markDown(_ error: any Error) {
        if !redisDown {
            logger.warning("Redis unavailable; serving calls from the cache", metadata: ["error": "\(error)"])
        }
        redisDown = true
    }

    /// Caches `call`; `owned` pins it while it is live (this instance wrote it).
    func remember(_ call: Call, owned isOwned: Bool) {
        cache[call.id] = CacheEntry(call: call, touched: clock.monotonic())
        if isOwned && call.state.isLive { owned.insert(call.id) } else if !call.state.isLive { owned.remove(call.id) }
    }

    /// The cached call, when Redis cannot be asked. Throws `unavailable` when the cache does not know it
    /// (it may exist in Redis).
    func cached(_ id: CallID) throws -> Call? {
        evictExpired()
        guard var entry = cache[id] else {
            throw ProviderError(.unavailable, provider: "redis", "Redis is down and call \(id) is not cached")
        }
        entry.touched = clock.monotonic()
        cache[id] = entry
        return entry.call
    }

    func cachedCalls() -> [Call] {
        evictExpired()
        return cache.values.map(\.call)
    }

    /// Drops entries unused for `cacheTTL`, except owned live calls and calls waiting for write-back.
    func evictExpired() {
        let cutoff = clock.monotonic() - configuration.cacheTTL
        let waiting = Set(pending.map(\.id))
        cache = cache.filter { id, entry in
            entry.touched >= cutoff || owned.contains(id) || waiting.contains(id)
        }
    }
}
