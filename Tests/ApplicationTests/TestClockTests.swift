import Domain
import Synchronization
import Testing
import TestSupport

/// The manual clock the call service tests drive: time moves only on `advance`, sleepers wake in
/// deadline order once their deadline is reached, and cancellation wakes a sleeper at once.
@Suite("Test clock")
struct TestClockTests {
    @Test func timeMovesOnlyWhenAdvanced() {
        let clock = TestClock(start: Timestamp(millisecondsSinceEpoch: 1_000_000))
        #expect(clock.monotonic() == .zero)
        #expect(clock.now() == Timestamp(millisecondsSinceEpoch: 1_000_000))
        clock.advance(by: .milliseconds(1500))
        clock.advance(by: .milliseconds(-500))  // time never goes back
        #expect(clock.monotonic() == .milliseconds(1500))
        #expect(clock.now() == Timestamp(millisecondsSinceEpoch: 1_001_500))
    }

    @Test func sleepersWakeAtTheirDeadlineInOrder() async throws {
        let clock = TestClock()
        let woken = Woken()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (name, seconds) in [("late", 3), ("early", 1), ("middle", 2)] {
                group.addTask {
                    try await clock.sleep(for: .seconds(seconds))
                    woken.names.withLock { $0.append(name) }
                }
            }
            #expect(await clock.waitForSleepers(3))
            #expect(clock.advance(by: .milliseconds(999)) == 0)
            #expect(clock.sleeperCount == 3)
            #expect(clock.advance(by: .milliseconds(1)) == 1)
            #expect(await eventually { woken.names.withLock { $0 } == ["early"] })
            // One step past two deadlines wakes both, earliest first.
            #expect(clock.advance(by: .seconds(5)) == 2)
            try await group.waitForAll()
        }
        #expect(woken.names.withLock { $0 } == ["early", "middle", "late"])
        #expect(clock.sleeperCount == 0)
    }

    @Test func aDeadlineCountsFromWhenTheSleepStarted() async throws {
        let clock = TestClock()
        clock.advance(by: .seconds(10))
        let done = Mutex(false)
        let sleeper = Task {
            try await clock.sleep(for: .seconds(2))
            done.withLock { $0 = true }
        }
        #expect(await clock.waitForSleepers(1))
        clock.advance(by: .seconds(1))
        #expect(clock.sleeperCount == 1)
        #expect(done.withLock { $0 } == false)
        clock.advance(by: .seconds(1))
        try await sleeper.value
        #expect(done.withLock { $0 })
        #expect(clock.monotonic() == .seconds(12))
    }

    @Test func cancellationWakesTheSleeperWithCancellationError() async {
        let clock = TestClock()
        let sleeper = Task { () -> (any Error)? in
            do {
                try await clock.sleep(for: .seconds(60))
                return nil
            } catch { return error }
        }
        #expect(await clock.waitForSleepers(1))
        sleeper.cancel()
        let error = await sleeper.value
        #expect(error is CancellationError)
        #expect(clock.sleeperCount == 0)
        // Already cancelled: throws without sleeping.
        let late = Task { () -> (any Error)? in
            withUnsafeCurrentTask { $0?.cancel() }
            do { try await clock.sleep(for: .seconds(1)); return nil } catch { return error }
        }
        #expect(await late.value is CancellationError)
        #expect(clock.sleeperCount == 0)
    }

    @Test func zeroSleepReturnsAtOnce() async throws {
        let clock = TestClock()
        try await clock.sleep(for: .zero)
        #expect(clock.sleeperCount == 0)
        #expect(await clock.waitForSleepers(1, timeout: .milliseconds(50)) == false)
    }
}

/// The names of the sleepers that woke, in order.
private final class Woken: Sendable {
    let names = Mutex<[String]>([])
}
