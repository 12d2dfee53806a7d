import Domain
import Logging

extension RedisCallRepository {
    /// Reads, applies `body`, and compare-and-sets, retrying on a lost race.
    func updateInRedis<Result: Sendable>(
        _ id: CallID, _ body: @Sendable (inout Call) throws -> Result
    ) async throws -> (Call, Result) {
        // A call this instance writes is usually unchanged since its last write: try the cached copy
        // first (one round trip instead of two). On a lost race, a missing key or a rule the copy
        // breaks, read the stored call and run `body` again, so stale cache never decides an outcome.
        var tryCache = owned.contains(id)
        for _ in 0..<100 {
            let previous: Call
            let fromCache: Bool
            if tryCache, let copy = cache[id]?.call {
                previous = copy
                fromCache = true
                tryCache = false
            } else {
                let reply = try await connection.command(["GET", RedisKeys.call(id)])
                guard let text = reply.text else { throw CallError(.notFound, callID: id, "no such call") }
                previous = try CallDocument.decode(text)
                fromCache = false
            }
            var call = previous
            let result: Result
            do { result = try body(&call) } catch {
                if fromCache { continue }
                throw error
            }
            call.version = previous.version + 1
            call.updatedAt = clock.now()
            switch try await write(.cas, call, expected: previous.version, previous: previous) {
            case .ok:
                remember(call, owned: true)
                return (call, result)
            case .conflict: continue
            case .notFound where fromCache: continue
            case .notFound: throw CallError(.notFound, callID: id, "no such call")
            default: throw ProviderError(.badResponse, provider: "redis", "unexpected script outcome")
            }
        }
        throw CallError(.conflict, callID: id, "too many concurrent writers")
    }

    /// Runs the write script (by SHA, loading it on first use and after a Redis restart).
    func write(_ mode: RedisCallScript.Mode, _ call: Call, expected: Int, previous: Call?) async throws -> RedisCallScript.Outcome {
        let document = try CallDocument.encode(call)
        let ttl = call.state.isLive ? configuration.liveTTL : configuration.endedTTL
        let arguments = RedisCallScript.arguments(mode, call: call, document: document, expectedVersion: expected, ttl: ttl, previous: previous)
        for _ in 0..<2 {
            let sha = try await loadScript()
            let reply = try await connection.command(["EVALSHA", sha] + arguments)
            if case .error(let message) = reply {
                if message.hasPrefix("NOSCRIPT") { scriptSHA = nil; continue }
                throw ProviderError(.badRequest, provider: "redis", message)
            }
            guard let text = reply.text, let outcome = RedisCallScript.Outcome(rawValue: text) else {
                throw ProviderError(.badResponse, provider: "redis", "unexpected reply \(reply)")
            }
            indexSets.formUnion([RedisKeys.tenantCalls(call.tenantID), RedisKeys.instanceCalls(call.instanceID)])
            return outcome
        }
        throw ProviderError(.server, provider: "redis", "script could not be loaded")
    }

    private func loadScript() async throws -> String {
        if let scriptSHA { return scriptSHA }
        let reply = try await connection.command(["SCRIPT", "LOAD", RedisCallScript.source])
        guard let sha = reply.text, case .string = reply else {
            throw ProviderError(.server, provider: "redis", "SCRIPT LOAD failed: \(reply)")
        }
        scriptSHA = sha
        return sha
    }

    /// The calls of the set the filter selects, pruning ids whose document expired.
    func listFromRedis(_ filter: CallFilter) async throws -> [Call] {
        let set =
            if let instance = filter.instanceID { RedisKeys.instanceCalls(instance) } else if let tenant = filter.tenantID {
                RedisKeys.tenantCalls(tenant)
            } else { RedisKeys.allCalls }
        let ids = try await connection.command(["SMEMBERS", set]).elements.compactMap(\.text)
        var calls: [Call] = []
        var expired: [String] = []
        var start = 0
        while start < ids.count {
            let chunk = Array(ids[start..<min(start + 500, ids.count)])
            start += chunk.count
            let documents = try await connection.command(["MGET"] + chunk.map { RedisKeys.call(CallID($0)) }).elements
            for (id, document) in zip(chunk, documents) {
                guard let text = document.text else { expired.append(id); continue }
                if let call = try? CallDocument.decode(text) { calls.append(call) } else {
                    logger.warning("unreadable call document skipped", metadata: ["call.id": "\(id)"])
                }
            }
        }
        if !expired.isEmpty { _ = try await connection.command(["SREM", set] + expired) }
        return calls
    }

    /// One maintenance round: write-back when needed, TTL refresh of owned live calls every third of
    /// `liveTTL`, cache eviction.
    func maintain(lastRefresh: inout Duration) async {
        evictExpired()
        if redisDown || !pending.isEmpty {
            guard await writeBack() else { return }
        } else {
            // Notice an outage while idle, so that `/ready` does not wait for the next call to tell.
            do { _ = try await connection.command(["PING"]) } catch {
                markDown(error)
                return
            }
        }
        let now = clock.monotonic()
        if now - (lastPrune ?? now) >= configuration.endedTTL / 6 {
            await pruneIndexSets()
        }
        if lastPrune == nil { lastPrune = now }
        guard now - lastRefresh >= configuration.liveTTL / 3, !owned.isEmpty else { return }
        lastRefresh = now
        let seconds = String(max(1, configuration.liveTTL.milliseconds / 1000))
        do {
            _ = try await connection.pipeline(owned.sorted().map { ["EXPIRE", RedisKeys.call($0), seconds] })
        } catch {
            markDown(error)
        }
    }

    /// Writes the queued calls back in order. Returns whether Redis is usable and the queue is empty.
    func writeBack() async -> Bool {
        guard !writingBack else { return false }
        writingBack = true
        defer { writingBack = false }
        var written = 0
        while let call = pending.first {
            do {
                let outcome = try await write(.writeback, call, expected: 0, previous: nil)
                if outcome == .stale {
                    logger.info("write-back skipped: Redis holds this version or newer", metadata: ["call.id": "\(call.id)", "call.version": "\(call.version)"])
                }
                pending.removeFirst()
                written += 1
                if redisDown {
                    redisDown = false
                    logger.info("Redis available again; writing back queued calls", metadata: ["redis.queued": "\(pending.count + 1)"])
                }
            } catch let error as ProviderError {
                markDown(error)
                return false
            } catch {
                logger.error("write-back dropped an unencodable call", metadata: ["call.id": "\(call.id)", "error": "\(error)"])
                pending.removeFirst()
            }
        }
        if redisDown {
            // Nothing was queued: prove Redis answers before leaving the degraded state.
            do {
                guard case .status = try await connection.command(["PING"]) else { return false }
            } catch {
                markDown(error)
                return false
            }
        }
        if redisDown {
            logger.info("Redis available again")
        } else if written > 0 {
            logger.info("write-back complete", metadata: ["redis.written_back": "\(written)"])
        }
        redisDown = false
        return true
    }

    /// Removes the ids whose document expired from the sets this repository wrote to.
    func pruneIndexSets() async {
        lastPrune = clock.monotonic()
        for set in indexSets.sorted() {
            do {
                let ids = try await connection.command(["SMEMBERS", set]).elements.compactMap(\.text)
                var expired: [String] = []
                var start = 0
                while start < ids.count {
                    let chunk = Array(ids[start..<min(start + 500, ids.count)])
                    start += chunk.count
                    let exists = try await connection.pipeline(chunk.map { ["EXISTS", RedisKeys.call(CallID($0))] })
                    for (id, reply) in zip(chunk, exists) where reply == .integer(0) { expired.append(id) }
                }
                if !expired.isEmpty { _ = try await connection.command(["SREM", set] + expired) }
            } catch {
                logger.debug("index set not pruned; next round", metadata: ["redis.set": "\(set)", "error": "\(error)"])
                return
            }
        }
    }
}
