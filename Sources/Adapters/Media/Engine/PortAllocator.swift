import Synchronization

/// Hands out even UDP ports from a range (RTP convention: even for RTP, odd for RTCP), rotating so that
/// a port just released is not reused at once (late packets of the old call would reach the new one).
final class PortAllocator: Sendable {
    private struct State {
        var inUse: Set<Int> = []
        var cursor: Int
    }
    let range: ClosedRange<Int>
    private let state: Mutex<State>

    init(range: ClosedRange<Int>) {
        self.range = range
        let first = range.lowerBound % 2 == 0 ? range.lowerBound : range.lowerBound + 1
        state = Mutex(State(cursor: first))
    }

    /// The even ports of the range, starting after the last one handed out, that are not in use.
    func candidates() -> [Int] {
        state.withLock { state in
            let evens = Array(stride(from: range.lowerBound % 2 == 0 ? range.lowerBound : range.lowerBound + 1, through: range.upperBound, by: 2))
            guard let start = evens.firstIndex(of: state.cursor) else { return evens.filter { !state.inUse.contains($0) } }
            return (evens[start...] + evens[..<start]).filter { !state.inUse.contains($0) }
        }
    }

    /// Marks `port` taken; false if it already was.
    func claim(_ port: Int) -> Bool {
        state.withLock { state in
            guard state.inUse.insert(port).inserted else { return false }
            var next = port + 2
            if next > range.upperBound { next = range.lowerBound % 2 == 0 ? range.lowerBound : range.lowerBound + 1 }
            state.cursor = next
            return true
        }
    }

    func release(_ port: Int) {
        _ = state.withLock { $0.inUse.remove(port) }
    }

    var inUseCount: Int { state.withLock { $0.inUse.count } }
}
