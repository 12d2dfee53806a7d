/// What the tenant directory remembers of the tenant manager's answers: a plain value (no clock, no
/// I/O; the caller passes the time), so that expiry and eviction are tested without waiting.
///
/// An entry is an answer (`found`) or the manager's "no such thing" (`absent`, a 404), fresh for `ttl`
/// or `negativeTTL` after it was stored. An expired entry is not dropped: it is what a lookup serves
/// while the manager cannot answer (stale-while-error) until a fresh answer replaces it. At `capacity`
/// a new entry evicts the one expiring first, absent entries before answers, so numbers dialled at
/// random cannot grow the cache without bound nor push out the tenants it knows.
public struct LookupCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    /// A remembered answer.
    public enum Entry: Sendable {
        case found(Value)
        /// The manager said there is no such thing (404).
        case absent
    }

    /// What `lookup` knows of a key.
    public enum Lookup: Sendable {
        /// Stored less than its time to live ago.
        case fresh(Entry)
        /// Expired: serve it only when the manager cannot answer.
        case stale(Entry)
        case missing
    }

    private struct Stored {
        var entry: Entry
        var expires: Duration
        var isAbsent: Bool { if case .absent = entry { true } else { false } }
    }

    public let ttl: Duration
    public let negativeTTL: Duration
    public let capacity: Int
    private var entries: [Key: Stored] = [:]

    public init(ttl: Duration, negativeTTL: Duration, capacity: Int = 10_000) {
        self.ttl = ttl
        self.negativeTTL = negativeTTL
        self.capacity = max(1, capacity)
    }

    /// How many entries are held (fresh or stale).
    public var count: Int { entries.count }

    /// The entry of `key` at monotonic time `now`.
    public func lookup(_ key: Key, at now: Duration) -> Lookup {
        guard let stored = entries[key] else { return .missing }
        return now < stored.expires ? .fresh(stored.entry) : .stale(stored.entry)
    }

    /// Remembers `entry` for `key` as of `now`, replacing what was there.
    public mutating func store(_ entry: Entry, for key: Key, at now: Duration) {
        let lifetime: Duration = if case .absent = entry { negativeTTL } else { ttl }
        if entries[key] == nil, entries.count >= capacity { evictOne() }
        entries[key] = Stored(entry: entry, expires: now + lifetime)
    }

    private mutating func evictOne() {
        let victim = entries.min { a, b in
            if a.value.isAbsent != b.value.isAbsent { return a.value.isAbsent }
            return a.value.expires < b.value.expires
        }
        if let victim { entries[victim.key] = nil }
    }
}
