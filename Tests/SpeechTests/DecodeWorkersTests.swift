import Foundation
@testable import Speech
import Synchronization
import Testing
import TestSupport

/// The embedded recogniser's decode threads: bounded, at a lower priority, in arrival order.
@Suite("Embedded recogniser decode workers")
struct DecodeWorkersTests {
    @Test func workersRunAtTheirNiceValueAndNeverMoreThanTheirCount() async throws {
        let workers = DecodeWorkers(count: 2, nice: 6)
        let gate = DispatchSemaphore(value: 0)
        let probe = Probe()
        let jobs = Task {
            try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<5 {
                    group.addTask {
                        try await workers.run {
                            probe.state.withLock { $0.active += 1; $0.peak = max($0.peak, $0.active); $0.started.append(index) }
                            gate.wait()
                            probe.state.withLock { $0.active -= 1 }
                            return index
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
        }
        #expect(await eventually { probe.state.withLock { $0.active } == 2 }, "two jobs never ran side by side")
        #expect(probe.state.withLock { $0.started.count } == 2, "a third job started while two workers were busy")
        for _ in 0..<5 { gate.signal() }
        let finished = try await jobs.value
        #expect(finished.sorted() == [0, 1, 2, 3, 4])
        #expect(probe.state.withLock { $0.peak } == 2)
        #expect(workers.threadNiceValues == [6, 6])
    }
}

private final class Probe: Sendable {
    let state = Mutex<(active: Int, peak: Int, started: [Int])>((0, 0, []))
}
