import CoreMetrics
import Synchronization

/// Counters in memory, summed by label (dimensions ignored), for tests that check what was counted.
final class TestMetrics: MetricsFactory, Sendable {
    private let counts = Mutex<[String: Int64]>([:])

    func total(_ label: String) -> Int64 { counts.withLock { $0[label] ?? 0 } }

    final class Handler: CounterHandler, FloatingPointCounterHandler, RecorderHandler, TimerHandler, MeterHandler, Sendable {
        let label: String
        let owner: TestMetrics
        init(label: String, owner: TestMetrics) { self.label = label; self.owner = owner }
        func increment(by amount: Int64) { owner.counts.withLock { $0[label, default: 0] += amount } }
        func reset() {}
        func increment(by amount: Double) {}
        func record(_ value: Int64) {}
        func record(_ value: Double) {}
        func recordNanoseconds(_ duration: Int64) {}
        func set(_ value: Int64) {}
        func set(_ value: Double) {}
        func increment(by: Double) async {}
        func decrement(by: Double) {}
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler { Handler(label: label, owner: self) }
    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler { Handler(label: label, owner: self) }
    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler { Handler(label: label, owner: self) }
    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler { Handler(label: label, owner: self) }
    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler { Handler(label: label, owner: self) }
    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}
    func destroyMeter(_ handler: any MeterHandler) {}
}
