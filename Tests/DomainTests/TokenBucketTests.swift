import Domain
import Testing

@Suite("Token bucket (value)")
struct TokenBucketTests {
    @Test func aBurstPassesThenTheRateRefills() {
        var bucket = TokenBucket(rate: 2, burst: 3)
        let t0 = Duration.seconds(100)
        #expect(bucket.take(at: t0) == nil)
        #expect(bucket.take(at: t0) == nil)
        #expect(bucket.take(at: t0) == nil)
        #expect(bucket.take(at: t0) == .milliseconds(500), "one token comes back every 500 ms")
        #expect(bucket.take(at: t0 + .milliseconds(250)) == .milliseconds(250))
        #expect(bucket.take(at: t0 + .milliseconds(500)) == nil)
        // A long pause fills it to the burst, no more.
        for _ in 0..<3 { #expect(bucket.take(at: t0 + .seconds(60)) == nil) }
        #expect(bucket.take(at: t0 + .seconds(60)) != nil)
    }

    @Test func timeGoingBackwardsGivesNothing() {
        var bucket = TokenBucket(rate: 1, burst: 1)
        #expect(bucket.take(at: .seconds(10)) == nil)
        #expect(bucket.take(at: .seconds(5)) == .seconds(1))
        #expect(bucket.take(at: .seconds(11)) == nil)
    }
}
