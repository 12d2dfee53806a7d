/// What the jitter buffer releases, in sequence order.
public enum JitterOutput<Payload> {
    /// The next packet's payload.
    case frame(Payload)
    /// The next packet never came in time: conceal one frame. `next` is the payload of the packet after
    /// the gap when it is already here (Opus rebuilds the lost frame from its in-band FEC).
    case lost(next: Payload?)
}

/// Counters of one inbound stream (RFC 3550 section 6.4 terms).
public struct JitterStatistics: Sendable, Hashable {
    /// Packets handed to `insert`.
    public var received = 0
    /// Frames concealed because their packet did not arrive within the depth.
    public var lost = 0
    /// Packets that arrived after their slot was released or concealed (dropped).
    public var late = 0
    /// Packets already buffered or already released (dropped).
    public var duplicates = 0
    /// Packets that arrived after a higher sequence number (kept if in time).
    public var reordered = 0
    /// Jumps too far ahead that restarted the stream (sender restart, long gap).
    public var resyncs = 0
    /// Interarrival jitter in timestamp units (RFC 3550 `J`).
    public var jitter = 0.0
    /// `jitter` in milliseconds at the stream's clock rate.
    public var jitterMilliseconds = 0.0
}

/// A jitter buffer for a recogniser rather than a loudspeaker: packets are released as soon as they are
/// in order (no fixed playout delay, so a drifting sender clock neither fills nor drains it); a gap is
/// held open for at most `depth` (reordered packets slot back in) and then concealed. Bounded: a jump
/// of `capacity` packets or more restarts the stream. A plain value with the time passed in, so every
/// scenario is tested without sockets or sleeping.
public struct JitterBuffer<Payload> {
    /// How long a gap may wait for its packet.
    public let depth: Duration
    /// The most packets held at once (a power of two).
    public let capacity: Int
    /// RTP clock rate (8000 for G.711, 16000 for slin16, 48000 for Opus).
    public let clockRate: Int
    public private(set) var statistics = JitterStatistics()

    private struct Slot {
        var sequence: UInt16
        var payload: Payload
    }

    private var slots: [Slot?]
    private var next: UInt16?
    private var highest: UInt16?
    private var buffered = 0
    /// When the current gap was first seen.
    private var gapSince: Duration?
    /// Bit i set: sequence `next - 1 - i` was released as a real frame (duplicate detection).
    private var releasedHistory: UInt64 = 0
    private var lastTransit: (arrival: UInt32, timestamp: UInt32)?

    /// `depth` is rounded to whole 20 ms frames for the count-based release.
    public init(depth: Duration = .milliseconds(60), capacity: Int = 64, clockRate: Int = 8_000) {
        var size = 8
        while size < capacity { size <<= 1 }
        self.depth = depth
        self.capacity = size
        self.clockRate = clockRate
        slots = Array(repeating: nil, count: size)
    }

    /// Packets held (waiting behind a gap).
    public var count: Int { buffered }

    private var depthFrames: Int { max(1, Int(depth / .milliseconds(20))) }

    /// Takes one packet that arrived at `arrival` (monotonic time) and releases what is now in order.
    public mutating func insert(
        sequence: UInt16, timestamp: UInt32, payload: Payload, arrival: Duration, emit: (JitterOutput<Payload>) -> Void
    ) {
        statistics.received += 1
        updateJitter(timestamp: timestamp, arrival: arrival)
        if next == nil { next = sequence }
        guard let expected = next else { return }
        let delta = Int(Int16(bitPattern: sequence &- expected))
        if delta < 0 {
            let back = -delta - 1
            if back < 64, releasedHistory & (1 << UInt64(back)) != 0 { statistics.duplicates += 1 } else { statistics.late += 1 }
            return
        }
        if delta >= capacity {
            // Far ahead: release what is held, then start again at this packet.
            drainAll(emit: emit)
            statistics.resyncs += 1
            next = sequence
            highest = nil
            gapSince = nil
        }
        let index = Int(sequence) & (capacity - 1)
        if let slot = slots[index], slot.sequence == sequence {
            statistics.duplicates += 1
            return
        }
        if let top = highest, Int16(bitPattern: sequence &- top) < 0 { statistics.reordered += 1 } else { highest = sequence }
        slots[index] = Slot(sequence: sequence, payload: payload)
        buffered += 1
        release(now: arrival, emit: emit)
    }

    /// Conceals gaps that have waited longer than `depth` (call it on the pacing tick).
    public mutating func poll(now: Duration, emit: (JitterOutput<Payload>) -> Void) {
        release(now: now, emit: emit)
    }

    /// Forgets the stream (new SSRC); statistics are kept.
    public mutating func reset() {
        for i in slots.indices { slots[i] = nil }
        next = nil
        highest = nil
        buffered = 0
        gapSince = nil
        releasedHistory = 0
        lastTransit = nil
    }

    private mutating func release(now: Duration, emit: (JitterOutput<Payload>) -> Void) {
        while buffered > 0, let expected = next {
            let index = Int(expected) & (capacity - 1)
            if let slot = slots[index], slot.sequence == expected {
                slots[index] = nil
                buffered -= 1
                advance(released: true)
                gapSince = nil
                emit(.frame(slot.payload))
                continue
            }
            // A gap: packets after it are waiting.
            let since = gapSince ?? now
            gapSince = since
            guard now - since >= depth || buffered >= depthFrames else { return }
            let following = slots[Int(expected &+ 1) & (capacity - 1)]
            statistics.lost += 1
            advance(released: false)
            emit(.lost(next: following?.sequence == expected &+ 1 ? following?.payload : nil))
        }
    }

    private mutating func drainAll(emit: (JitterOutput<Payload>) -> Void) {
        while buffered > 0, let expected = next {
            let index = Int(expected) & (capacity - 1)
            if let slot = slots[index], slot.sequence == expected {
                slots[index] = nil
                buffered -= 1
                emit(.frame(slot.payload))
            }
            next = expected &+ 1
        }
    }

    private mutating func advance(released: Bool) {
        releasedHistory = releasedHistory << 1 | (released ? 1 : 0)
        next = next.map { $0 &+ 1 }
    }

    /// RFC 3550 A.8: J += (|D| - J) / 16, with D the change in transit time in timestamp units.
    private mutating func updateJitter(timestamp: UInt32, arrival: Duration) {
        let ticks = arrival.components.seconds &* Int64(clockRate)
            &+ arrival.components.attoseconds / (1_000_000_000_000_000_000 / Int64(clockRate))
        let arrivalTS = UInt32(truncatingIfNeeded: ticks)
        if let last = lastTransit {
            let d = Int64(Int32(bitPattern: arrivalTS &- last.arrival)) - Int64(Int32(bitPattern: timestamp &- last.timestamp))
            statistics.jitter += (Double(abs(d)) - statistics.jitter) / 16
            statistics.jitterMilliseconds = statistics.jitter * 1000 / Double(clockRate)
        }
        lastTransit = (arrivalTS, timestamp)
    }
}
