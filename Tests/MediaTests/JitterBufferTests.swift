@testable import Media
import Testing

/// Drives a jitter buffer with packets of 20 ms (160 timestamp units at 8 kHz) on an injected clock.
struct JitterHarness {
    var buffer = JitterBuffer<Int>(depth: .milliseconds(60), capacity: 64, clockRate: 8_000)
    /// What came out: a sequence number, or -1 for a concealed frame.
    var out: [Int] = []
    var fecHints: [Int?] = []

    mutating func send(_ seq: Int, at ms: Int, sentAt sendMs: Int? = nil) {
        let timestamp = UInt32(truncatingIfNeeded: (sendMs ?? seq * 20) * 8)
        var emitted: [JitterOutput<Int>] = []
        buffer.insert(sequence: UInt16(truncatingIfNeeded: seq), timestamp: timestamp, payload: seq, arrival: .milliseconds(ms)) { emitted.append($0) }
        record(emitted)
    }

    mutating func poll(at ms: Int) {
        var emitted: [JitterOutput<Int>] = []
        buffer.poll(now: .milliseconds(ms)) { emitted.append($0) }
        record(emitted)
    }

    private mutating func record(_ emitted: [JitterOutput<Int>]) {
        for output in emitted {
            switch output {
            case .frame(let seq): out.append(seq)
            case .lost(let next):
                out.append(-1)
                fecHints.append(next)
            }
        }
    }
}

@Suite("Jitter buffer")
struct JitterBufferTests {
    @Test func inOrderPacketsPassStraightThrough() {
        var h = JitterHarness()
        for seq in 0..<50 { h.send(seq, at: seq * 20) }
        #expect(h.out == Array(0..<50))
        #expect(h.buffer.statistics.received == 50)
        #expect(h.buffer.statistics.lost == 0)
        #expect(h.buffer.statistics.jitter == 0)
        #expect(h.buffer.count == 0)
    }

    @Test func reorderedPacketsAreSortedBack() {
        var h = JitterHarness()
        for (seq, at) in [(0, 0), (2, 40), (1, 45), (3, 60), (5, 100), (4, 101), (6, 120)] { h.send(seq, at: at) }
        #expect(h.out == [0, 1, 2, 3, 4, 5, 6])
        #expect(h.buffer.statistics.reordered == 2)
        #expect(h.buffer.statistics.lost == 0)
    }

    @Test func duplicatesAndLatePacketsAreDropped() {
        var h = JitterHarness()
        h.send(0, at: 0)
        h.send(1, at: 20)
        h.send(1, at: 21)  // duplicate of a released packet
        h.send(3, at: 60)
        h.send(3, at: 61)  // duplicate of a buffered packet
        h.poll(at: 200)  // the gap at 2 is concealed
        h.send(2, at: 210)  // too late
        #expect(h.out == [0, 1, -1, 3])
        #expect(h.buffer.statistics.duplicates == 2)
        #expect(h.buffer.statistics.late == 1)
        #expect(h.buffer.statistics.lost == 1)
    }

    @Test func aLostPacketIsConcealedAfterTheDepth() {
        var h = JitterHarness()
        h.send(0, at: 0)
        h.send(2, at: 40)
        #expect(h.out == [0])
        h.poll(at: 80)  // 40 ms into the gap: still waiting
        #expect(h.out == [0])
        h.poll(at: 100)  // 60 ms: conceal, then release 2
        #expect(h.out == [0, -1, 2])
        #expect(h.fecHints == [2], "the packet after the gap is offered for FEC")
    }

    @Test func aBurstLossIsConcealedFrameByFrame() {
        var h = JitterHarness()
        h.send(0, at: 0)
        for seq in 6..<12 { h.send(seq, at: seq * 20) }
        // Three packets behind the gap reach the depth (3 frames) without waiting for the clock.
        #expect(h.out == [0, -1, -1, -1, -1, -1, 6, 7, 8, 9, 10, 11])
        #expect(h.buffer.statistics.lost == 5)
    }

    @Test func senderClockSkewNeitherFillsNorDrains() {
        // The far end runs 1% fast, then 1% slow: a buffer with a playout clock would drift; this one
        // releases in order and never holds anything.
        var h = JitterHarness()
        for seq in 0..<3000 { h.send(seq, at: seq * 198 / 10) }
        for seq in 3000..<6000 { h.send(seq, at: 59_400 + (seq - 3000) * 202 / 10) }
        #expect(h.out == Array(0..<6000))
        #expect(h.buffer.count == 0)
        #expect(h.buffer.statistics.lost == 0)
        #expect(h.buffer.statistics.late == 0)
        // 0.2 ms per packet of drift shows as a small steady jitter, not as loss.
        #expect(h.buffer.statistics.jitterMilliseconds < 1)
    }

    @Test func interarrivalJitterFollowsRFC3550() {
        var h = JitterHarness()
        // Arrivals alternate 10 ms early/late around the 20 ms grid: |D| = 20 ms every packet after the first.
        for seq in 0..<400 { h.send(seq, at: seq * 20 + (seq % 2 == 0 ? 0 : 20)) }
        // J converges to mean |D| = 20 ms (160 units at 8 kHz).
        #expect(abs(h.buffer.statistics.jitter - 160) < 1, "\(h.buffer.statistics.jitter)")
        #expect(abs(h.buffer.statistics.jitterMilliseconds - 20) < 0.2)
    }

    @Test func depthIsBoundedAndAFarJumpResyncs() {
        var h = JitterHarness()
        h.send(0, at: 0)
        h.send(1, at: 20)
        h.send(1000, at: 40)  // sender restarted far ahead
        h.send(1001, at: 60)
        #expect(h.out == [0, 1, 1000, 1001])
        #expect(h.buffer.statistics.resyncs == 1)
        #expect(h.buffer.count == 0)
    }

    @Test func sequenceNumbersWrap() {
        var h = JitterHarness()
        for (n, seq) in (65530..<65546).enumerated() { h.send(seq, at: n * 20) }
        #expect(h.out.count == 16)
        #expect(h.buffer.statistics.lost == 0)
        #expect(h.buffer.statistics.late == 0)
    }
}
