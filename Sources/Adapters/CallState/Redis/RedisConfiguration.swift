import Domain

/// Settings of the Redis call-state adapter (`call_state.*` in the configuration file).
public struct RedisConfiguration: Sendable, Hashable {
    /// Where Redis listens, parsed from `call_state.redis_url`.
    public var endpoint: RedisEndpoint
    /// How long to wait for the TCP connection.
    public var connectTimeout: Duration
    /// How long to wait for the answer to one command; longer and the connection is dropped.
    public var commandTimeout: Duration
    /// How long a live call document lives without a write or a refresh (`run()` refreshes it).
    public var liveTTL: Duration
    /// How long an ended call document is kept (`call_state.ended_ttl_s`).
    public var endedTTL: Duration
    /// How long a call stays in the in-memory cache served while Redis is down (`call_state.cache_ttl_s`).
    public var cacheTTL: Duration
    /// First pause between reconnect attempts (doubling up to `reconnectMaximum`).
    public var reconnectInitial: Duration
    /// Largest pause between reconnect attempts.
    public var reconnectMaximum: Duration
    /// How often `run()` refreshes TTLs and retries the connection and the write-back.
    public var maintenanceInterval: Duration

    public init(
        endpoint: RedisEndpoint = RedisEndpoint(), connectTimeout: Duration = .seconds(1), commandTimeout: Duration = .seconds(1),
        liveTTL: Duration = .seconds(600), endedTTL: Duration = .seconds(3600), cacheTTL: Duration = .seconds(300),
        reconnectInitial: Duration = .milliseconds(100), reconnectMaximum: Duration = .seconds(5),
        maintenanceInterval: Duration = .seconds(1)
    ) {
        self.endpoint = endpoint
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.liveTTL = liveTTL
        self.endedTTL = endedTTL
        self.cacheTTL = cacheTTL
        self.reconnectInitial = reconnectInitial
        self.reconnectMaximum = reconnectMaximum
        self.maintenanceInterval = maintenanceInterval
    }
}

/// A Redis server address with optional password and database: `redis://[:password@]host:port/db`.
public struct RedisEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var password: String?
    public var database: Int

    public init(host: String = "127.0.0.1", port: Int = 6379, password: String? = nil, database: Int = 0) {
        self.host = host
        self.port = port
        self.password = password
        self.database = database
    }

    /// The URL without the password, for logs.
    public var description: String { "redis://\(password == nil ? "" : ":***@")\(host):\(port)/\(database)" }

    /// Why a `call_state.redis_url` was refused. The message names the key.
    public struct Invalid: Error, Hashable, Sendable, CustomStringConvertible {
        public let key: String
        public let reason: String
        public var description: String { "\(key): \(reason)" }
    }

    /// Parses `redis://[[user]:password@]host[:port][/db]`. `rediss://` (TLS) is refused: Debian 12's
    /// hiredis 0.14.1 has no TLS support (hiredis_ssl arrived in 1.0). `key` names the setting in errors.
    public init(url: String, key: String = "call_state.redis_url") throws(Invalid) {
        func invalid(_ reason: String) -> Invalid { Invalid(key: key, reason: reason) }
        if url.hasPrefix("rediss://") {
            throw invalid("rediss:// (TLS) is not supported: hiredis 0.14 on Debian 12 has no TLS; use redis:// over a trusted network or a TLS tunnel (stunnel)")
        }
        guard url.hasPrefix("redis://") else { throw invalid("must start with redis:// (got '\(url)')") }
        var rest = Substring(url.dropFirst("redis://".count))
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let userinfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = userinfo.firstIndex(of: ":") {
                password = percentDecoded(String(userinfo[userinfo.index(after: colon)...]))
            } else if !userinfo.isEmpty {
                password = percentDecoded(String(userinfo))
            }
            if password?.isEmpty == true { password = nil }
        }
        var database = 0
        if let slash = rest.firstIndex(of: "/") {
            let db = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
            if !db.isEmpty {
                guard let n = Int(db), n >= 0, n < 65536 else { throw invalid("database '\(db)' is not a number") }
                database = n
            }
        }
        var host = String(rest)
        var port = 6379
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { throw invalid("unterminated IPv6 address") }
            let after = host[host.index(after: close)...]
            let inner = String(host[host.index(after: host.startIndex)..<close])
            if after.hasPrefix(":") {
                guard let p = Int(after.dropFirst()), (1...65535).contains(p) else { throw invalid("port '\(after.dropFirst())' is not valid") }
                port = p
            } else if !after.isEmpty { throw invalid("unexpected '\(after)' after the address") }
            host = inner
        } else if let colon = host.lastIndex(of: ":") {
            let text = host[host.index(after: colon)...]
            guard let p = Int(text), (1...65535).contains(p) else { throw invalid("port '\(text)' is not valid") }
            port = p
            host = String(host[..<colon])
        }
        guard !host.isEmpty else { throw invalid("no host") }
        self.init(host: host, port: port, password: password, database: database)
    }
}

private func percentDecoded(_ text: String) -> String {
    guard text.contains("%") else { return text }
    var bytes: [UInt8] = []
    var iterator = Array(text.utf8).makeIterator()
    while let byte = iterator.next() {
        if byte == UInt8(ascii: "%"), let hi = iterator.next(), let lo = iterator.next(),
            let value = UInt8(String(decoding: [hi, lo], as: UTF8.self), radix: 16)
        {
            bytes.append(value)
        } else {
            bytes.append(byte)
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}
