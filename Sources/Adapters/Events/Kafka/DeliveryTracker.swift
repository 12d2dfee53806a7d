/// Which spooled records are in flight to Kafka and up to where everything is acknowledged.
///
/// Records are produced in spool order but acknowledged in any order (partitions are independent): the
/// acknowledged point only moves past a record once it and every earlier record are acknowledged. A
/// value; the publisher keeps it under its lock.
struct DeliveryTracker: Sendable, Hashable {
    /// Everything before this offset is acknowledged.
    private(set) var acknowledgedPoint: Int64
    /// Produced, not yet acknowledged, in offset order (offset -> next offset).
    private var order: [Int64] = []
    private var head = 0
    private var next: [Int64: Int64] = [:]
    private var acknowledgedEarly: Set<Int64> = []
    /// A delivery failed since the last rewind: resend from `acknowledgedPoint` once nothing is in flight.
    private(set) var needsRewind = false

    init(acknowledgedPoint: Int64) {
        self.acknowledgedPoint = acknowledgedPoint
    }

    var inFlight: Int { order.count - head }

    mutating func produced(offset: Int64, next nextOffset: Int64) {
        order.append(offset)
        next[offset] = nextOffset
    }

    /// A delivery report arrived. Returns whether the acknowledged point moved.
    @discardableResult
    mutating func delivered(offset: Int64, success: Bool) -> Bool {
        guard next[offset] != nil else { return false }
        if !success {
            needsRewind = true
        }
        // A failed record counts as settled here: the rewind sends it (and what followed) again.
        acknowledgedEarly.insert(offset)
        var moved = false
        while head < order.count, acknowledgedEarly.contains(order[head]) {
            let offset = order[head]
            acknowledgedEarly.remove(offset)
            if !needsRewind { acknowledgedPoint = next[offset]! ; moved = true }
            next[offset] = nil
            head += 1
        }
        if head > 4096 && head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
        return moved
    }

    /// After a failure, once nothing is in flight: where to resend from.
    mutating func rewind() -> Int64? {
        guard needsRewind, inFlight == 0 else { return nil }
        needsRewind = false
        order.removeAll()
        head = 0
        next.removeAll()
        acknowledgedEarly.removeAll()
        return acknowledgedPoint
    }
}
