import Metrics
import Synchronization

/// Atomic counters like the daemon's Prometheus ones (so their cost is in the measurement), readable by
/// label and dimensions (`voicegw_rtp_packets_dropped_total{reason=unknown_source}`); other metric kinds
/// are not used on the media path and do nothing.
final class LoadMetrics: MetricsFactory, Sendable {
    private let counters = Mutex<[String: Counter]>([:])

    /// The value of the counter `label` with `dimensions`, 0 if it was never created.
    func value(_ label: String, _ dimensions: [(String, String)] = []) -> Int64 {
        counters.withLock { $0[Self.key(label, dimensions)]?.value.load(ordering: .relaxed) ?? 0 }
    }

    private static func key(_ label: String, _ dimensions: [(String, String)]) -> String {
        ([label] + dimensions.map { "\($0.0)=\($0.1)" }).joined(separator: ",")
    }

    final class Counter: CounterHandler, Sendable {
        let value = Atomic<Int64>(0)
        func increment(by amount: Int64) { value.add(amount, ordering: .relaxed) }
        func reset() { value.store(0, ordering: .relaxed) }
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        counters.withLock { counters in
            let key = Self.key(label, dimensions)
            if let existing = counters[key] { return existing }
            let counter = Counter()
            counters[key] = counter
            return counter
        }
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        NOOPMetricsHandler.instance
    }
    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler { NOOPMetricsHandler.instance }
    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler { NOOPMetricsHandler.instance }
    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler { NOOPMetricsHandler.instance }
    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}
    func destroyMeter(_ handler: any MeterHandler) {}
}
