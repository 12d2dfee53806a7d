import Domain

/// The compare-and-set write of a call document, as one Lua script so that the check and the writes
/// (document with TTL, tenant/instance/all sets) are atomic on the server.
///
/// Modes: `create` (fails with `EXISTS`), `cas` (writes only if the stored `version` equals the expected
/// one: `NOTFOUND`/`CONFLICT` otherwise), `writeback` (after an outage: the higher version wins, `STALE`
/// when Redis already holds this version or a newer one).
enum RedisCallScript {
    static let source = """
        local cur = redis.call('GET', KEYS[1])
        local mode = ARGV[1]
        if mode == 'create' then
          if cur then return 'EXISTS' end
        elseif mode == 'cas' then
          if not cur then return 'NOTFOUND' end
          if tostring(cjson.decode(cur)['version']) ~= ARGV[2] then return 'CONFLICT' end
        else
          if cur and tonumber(cjson.decode(cur)['version']) >= tonumber(ARGV[6]) then return 'STALE' end
        end
        redis.call('SET', KEYS[1], ARGV[3], 'EX', ARGV[4])
        redis.call('SADD', KEYS[2], ARGV[5])
        redis.call('SADD', KEYS[3], ARGV[5])
        redis.call('SADD', KEYS[4], ARGV[5])
        if KEYS[5] ~= KEYS[2] then redis.call('SREM', KEYS[5], ARGV[5]) end
        if KEYS[6] ~= KEYS[3] then redis.call('SREM', KEYS[6], ARGV[5]) end
        return 'OK'
        """

    enum Mode: String { case create, cas, writeback }

    /// The outcome the script returned.
    enum Outcome: String { case ok = "OK", exists = "EXISTS", notFound = "NOTFOUND", conflict = "CONFLICT", stale = "STALE" }

    /// KEYS and ARGV (after the script/sha and the key count) for writing `call`.
    static func arguments(
        _ mode: Mode, call: Call, document: String, expectedVersion: Int, ttl: Duration, previous: Call?
    ) -> [String] {
        let keys = [
            RedisKeys.call(call.id), RedisKeys.tenantCalls(call.tenantID), RedisKeys.instanceCalls(call.instanceID),
            RedisKeys.allCalls, RedisKeys.tenantCalls(previous?.tenantID ?? call.tenantID),
            RedisKeys.instanceCalls(previous?.instanceID ?? call.instanceID),
        ]
        let seconds = max(1, ttl.milliseconds / 1000)
        let argv = [mode.rawValue, String(expectedVersion), document, String(seconds), call.id.rawValue, String(call.version)]
        return [String(keys.count)] + keys + argv
    }
}
