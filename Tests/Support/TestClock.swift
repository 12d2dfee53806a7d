import Domain
import Synchronization

/// A `Domain.Clock` whose time moves only when the test says so: `advance(by:)` moves it and wakes
/// every sleeper whose deadline it reached, in deadline order. Timeouts, no-input prompts, pacing and
/// backoff are then driven step by step, with no wall-clock sleep and no race against a loaded machine.
///
/// `now()` is `start` plus the time advanced so far; `monotonic()` is the time advanced so far.
/// Advance only once the code under test is waiting (`waitForSleepers`), or the step may pass unseen.
public final class TestClock: Domain.Clock, Sendable {
    private struct Sleeper {
        let deadline: Duration
        let order: UInt64
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var elapsed: Duration = .zero
        var sleepers: [UInt64: Sleeper] = [:]
        var nextID: UInt64 = 0
        /// Ids of sleepers cancelled before their continuation was registered.
        var cancelledEarly: Set<UInt64> = []
    }

    /// The wall-clock time at which the clock starts.
    public let start: Timestamp
    private let state = Mutex(State())

    /// A clock at `start` (by default 2026-01-01T00:00:00Z) with no time elapsed.
    public init(start: Timestamp = Timestamp(millisecondsSinceEpoch: 1_767_225_600_000)) {
        self.start = start
    }

    public func now() -> Timestamp {
        start.advanced(by: state.withLock { $0.elapsed })
    }

    public func monotonic() -> Duration {
        state.withLock { $0.elapsed }
    }

    /// Suspends until the clock has been advanced by `duration` from now. A zero or negative duration
    /// returns at once. Throws `CancellationError` (and stops counting as a sleeper) when the task is
    /// cancelled.
    public func sleep(for duration: Duration) async throws {
        try Task.checkCancellation()
        guard duration > .zero else { return }
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let cancelled = state.withLock { state -> Bool in
                    if state.cancelledEarly.remove(id) != nil { return true }
                    state.sleepers[id] = Sleeper(deadline: state.elapsed + duration, order: id, continuation: continuation)
                    return false
                }
                if cancelled { continuation.resume(throwing: CancellationError()) }
            }
        } onCancel: {
            let sleeper = state.withLock { state -> Sleeper? in
                guard let sleeper = state.sleepers.removeValue(forKey: id) else {
                    state.cancelledEarly.insert(id)
                    return nil
                }
                return sleeper
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
        // A sleeper woken by `advance` leaves no trace; one cancelled after waking may leave its id.
        state.withLock { _ = $0.cancelledEarly.remove(id) }
    }

    /// Moves time forward by `duration` and wakes, in deadline order, every sleeper whose deadline is
    /// now reached. Returns the number of sleepers woken.
    @discardableResult
    public func advance(by duration: Duration) -> Int {
        let woken = state.withLock { state -> [Sleeper] in
            state.elapsed += max(duration, .zero)
            let due = state.sleepers.values.filter { $0.deadline <= state.elapsed }
            for sleeper in due { state.sleepers.removeValue(forKey: sleeper.order) }
            return due.sorted { ($0.deadline, $0.order) < ($1.deadline, $1.order) }
        }
        for sleeper in woken { sleeper.continuation.resume() }
        return woken.count
    }

    /// How many tasks are sleeping on this clock now.
    public var sleeperCount: Int {
        state.withLock { $0.sleepers.count }
    }

    /// Waits (in real time, up to `timeout`) until at least `count` tasks sleep on this clock, so that
    /// an `advance` that follows is seen by them. Returns whether they did.
    public func waitForSleepers(_ count: Int, timeout: Duration = .seconds(10)) async -> Bool {
        await eventually(timeout: timeout) { sleeperCount >= count }
    }
}
