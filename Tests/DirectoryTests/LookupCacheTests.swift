import Directory
import Testing

@Suite("Lookup cache")
struct LookupCacheTests {
    typealias Cache = LookupCache<String, Int>

    static func value(_ lookup: Cache.Lookup) -> String {
        switch lookup {
        case .fresh(.found(let value)): "fresh \(value)"
        case .fresh(.absent): "fresh absent"
        case .stale(.found(let value)): "stale \(value)"
        case .stale(.absent): "stale absent"
        case .missing: "missing"
        }
    }

    @Test func anAnswerIsFreshForItsTTLThenStaleUntilReplaced() {
        var cache = Cache(ttl: .seconds(300), negativeTTL: .seconds(30))
        #expect(Self.value(cache.lookup("a", at: .zero)) == "missing")
        cache.store(.found(1), for: "a", at: .seconds(10))
        #expect(Self.value(cache.lookup("a", at: .seconds(10))) == "fresh 1")
        #expect(Self.value(cache.lookup("a", at: .seconds(309))) == "fresh 1")
        #expect(Self.value(cache.lookup("a", at: .seconds(310))) == "stale 1", "expires at exactly the TTL")
        #expect(Self.value(cache.lookup("a", at: .seconds(100_000))) == "stale 1", "kept for stale-while-error")
        cache.store(.found(2), for: "a", at: .seconds(100_000))
        #expect(Self.value(cache.lookup("a", at: .seconds(100_001))) == "fresh 2")
    }

    @Test func aNotFoundIsBelievedForTheShorterTTL() {
        var cache = Cache(ttl: .seconds(300), negativeTTL: .seconds(30))
        cache.store(.absent, for: "b", at: .zero)
        #expect(Self.value(cache.lookup("b", at: .seconds(29))) == "fresh absent")
        #expect(Self.value(cache.lookup("b", at: .seconds(30))) == "stale absent")
        cache.store(.found(7), for: "b", at: .seconds(31))
        #expect(Self.value(cache.lookup("b", at: .seconds(60))) == "fresh 7", "an answer replaces a not-found")
    }

    @Test func aZeroTTLIsAlwaysStaleButRemembered() {
        var cache = Cache(ttl: .zero, negativeTTL: .zero)
        cache.store(.found(3), for: "c", at: .seconds(5))
        #expect(Self.value(cache.lookup("c", at: .seconds(5))) == "stale 3")
    }

    @Test func atCapacityNotFoundsGoFirstThenWhatExpiresFirst() {
        var cache = Cache(ttl: .seconds(100), negativeTTL: .seconds(10), capacity: 3)
        cache.store(.found(1), for: "old", at: .zero)  // expires at 100
        cache.store(.absent, for: "nobody", at: .seconds(95))  // expires at 105, later than "old"
        cache.store(.found(2), for: "new", at: .seconds(95))  // expires at 195
        #expect(cache.count == 3)
        cache.store(.found(3), for: "newer", at: .seconds(96))
        #expect(cache.count == 3)
        #expect(Self.value(cache.lookup("nobody", at: .seconds(96))) == "missing", "the not-found is evicted first")
        #expect(Self.value(cache.lookup("old", at: .seconds(96))) == "fresh 1")
        cache.store(.found(4), for: "newest", at: .seconds(97))
        #expect(Self.value(cache.lookup("old", at: .seconds(97))) == "missing", "then the answer expiring first")
        #expect(Self.value(cache.lookup("new", at: .seconds(97))) == "fresh 2")
        #expect(Self.value(cache.lookup("newest", at: .seconds(97))) == "fresh 4")
        cache.store(.found(5), for: "new", at: .seconds(98))
        #expect(cache.count == 3, "replacing an entry evicts nothing")
        #expect(Self.value(cache.lookup("newer", at: .seconds(98))) == "fresh 3")
    }

    @Test func numbersDialledAtRandomStayBounded() {
        var cache = Cache(ttl: .seconds(300), negativeTTL: .seconds(30), capacity: 100)
        cache.store(.found(1), for: "tenant-number", at: .zero)
        for i in 0..<10_000 { cache.store(.absent, for: "random-\(i)", at: .milliseconds(i)) }
        #expect(cache.count == 100)
        #expect(Self.value(cache.lookup("tenant-number", at: .seconds(11))) == "fresh 1", "answers outlive not-founds")
    }
}
