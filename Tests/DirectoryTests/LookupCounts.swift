import CoreMetrics
import Synchronization

/// Counters in memory by their `resource` and `result` labels (`"did.hit"`), for the tests that check
/// how each lookup was answered. Other metric kinds are ignored.
final class LookupCounts: MetricsFactory, Sendable {
    private let counts = Mutex<[String: Int64]>([:])

    /// The count of `resource.result` (`"settings.stale"`).
    subscript(_ key: String) -> Int { Int(counts.withLock { $0[key] ?? 0 }) }

    /// Every non-zero count.
    var nonZero: [String: Int] { counts.withLock { $0.filter { $0.value > 0 }.mapValues(Int.init) } }

    final class Handler: CounterHandler, FloatingPointCounterHandler, RecorderHandler, TimerHandler, MeterHandler, Sendable {
        let key: String
        let owner: LookupCounts
        init(key: String, owner: LookupCounts) { self.key = key; self.owner = owner }
        func increment(by amount: Int64) { owner.counts.withLock { $0[key, default: 0] += amount } }
        func reset() {}
        func increment(by amount: Double) {}
        func record(_ value: Int64) {}
        func record(_ value: Double) {}
        func recordNanoseconds(_ duration: Int64) {}
        func set(_ value: Int64) {}
        func set(_ value: Double) {}
        func decrement(by: Double) {}
    }

    private func handler(_ dimensions: [(String, String)]) -> Handler {
        let labels = Dictionary(dimensions, uniquingKeysWith: { first, _ in first })
        return Handler(key: "\(labels["resource"] ?? "-").\(labels["result"] ?? "-")", owner: self)
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler { handler(dimensions) }
    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler { handler(dimensions) }
    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler { handler(dimensions) }
    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler { handler(dimensions) }
    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler { handler(dimensions) }
    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}
    func destroyMeter(_ handler: any MeterHandler) {}
}
