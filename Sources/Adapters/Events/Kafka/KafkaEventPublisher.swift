import CRdKafka
import Domain
import Foundation
import Logging
import Metrics
import NIOPosix
import ServiceLifecycle
import Synchronization

/// Publishes call events to Kafka through a durable spool (DESIGN.md, "Events on Kafka").
///
/// `publish` returns once the event is in the spool (group-committed with the fsync policy); `run()`
/// (a `Service`) sends spooled events in order to the topic, keyed by call id, with an idempotent
/// `acks=all` producer, and moves the spool's checkpoint past what Kafka acknowledged. Brokers down:
/// events accumulate in the spool and go out in order when they return; a restart replays what was not
/// acknowledged. At least once: duplicates are possible (consumers dedupe by `event_id`), losses are
/// not. A full spool makes `publish` throw `unavailable` (counted in `voicegw_event_spool_rejected_total`).
public final class KafkaEventPublisher: EventPublisher, HealthReporting, Service {
    struct Waiting {
        var payload: [UInt8]
        var continuation: CheckedContinuation<Void, any Error>
    }

    struct State {
        var waiting: [Waiting] = []
        var writerActive = false
        var tracker: DeliveryTracker
        var brokersDown = false
        var lastProgress: Duration
        var lastProbe: Duration = .zero
        var running = false
        var fatal: String?
    }

    let configuration: KafkaConfiguration
    let spool: EventSpool
    let clock: any Domain.Clock
    let logger: Logger
    let io = NIOThreadPool(numberOfThreads: 1)
    let wake = WakeSignal()
    let state: Mutex<State>
    let encoder: JSONEncoder
    let metrics: SpoolMetrics

    /// Opens the spool (replaying what a previous run left unacknowledged once `run()` starts).
    /// Throws `SpoolError` when the spool cannot be opened, `KafkaConfiguration.Invalid` on bad settings.
    /// Metrics go to `metricsFactory` (the daemon's Prometheus registry).
    public init(
        configuration: KafkaConfiguration, spool spoolConfiguration: SpoolConfiguration, clock: any Domain.Clock,
        metricsFactory: any MetricsFactory = NOOPMetricsHandler.instance, logger: Logger
    ) throws {
        try configuration.validate()
        self.configuration = configuration
        self.spool = try EventSpool(configuration: spoolConfiguration, clock: clock)
        self.clock = clock
        self.logger = logger
        self.state = Mutex(State(tracker: DeliveryTracker(acknowledgedPoint: spool.acknowledgedOffset), lastProgress: clock.monotonic()))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        self.encoder = encoder
        self.metrics = SpoolMetrics(factory: metricsFactory)
        io.start()
        if spool.truncatedBytes > 0 {
            logger.warning("event spool had a torn tail; truncated", metadata: ["spool.truncated_bytes": "\(spool.truncatedBytes)"])
        }
        let backlog = spool.endOffset - spool.acknowledgedOffset
        if backlog > 0 { logger.info("event spool holds unacknowledged events; replaying", metadata: ["spool.bytes": "\(backlog)"]) }
        metrics.update(spool)
    }

    deinit {
        io.shutdownGracefully { _ in }
    }

    public var dependencyName: String { "kafka" }

    /// `connected` while Kafka acknowledges; `degraded` while the brokers are unreachable, deliveries
    /// stall for 10 s, the producer is not running, or the spool is over 80 % full.
    public func dependencyState() async -> DependencyState {
        let now = clock.monotonic()
        let (down, stalled, running, fatal) = state.withLock { s in
            (s.brokersDown, s.tracker.inFlight > 0 && now - s.lastProgress > .seconds(10), s.running, s.fatal != nil)
        }
        return down || stalled || !running || fatal || spool.fillRatio > 0.8 ? .degraded : .connected
    }

    /// The spool's fill level (0...1), also exported as `voicegw_event_spool_fill_ratio`.
    public var spoolFillRatio: Double { spool.fillRatio }

    /// Bytes of events in the spool that Kafka has not acknowledged.
    public var unacknowledgedBytes: Int64 { spool.endOffset - state.withLock { $0.tracker.acknowledgedPoint } }

    public func publish(_ event: CallEvent) async throws(ProviderError) {
        let payload: [UInt8]
        do { payload = try Self.record(key: event.callID.rawValue, value: encoder.encode(event)) } catch {
            throw ProviderError(.badRequest, provider: "kafka", "event not encodable: \(error)")
        }
        do {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let start = state.withLock { s -> Bool in
                    s.waiting.append(Waiting(payload: payload, continuation: continuation))
                    if s.writerActive { return false }
                    s.writerActive = true
                    return true
                }
                if start { io.submit { _ in self.writeWaiting() } }
            }
        } catch let error as ProviderError {
            throw error
        } catch {
            throw ProviderError(.unavailable, provider: "kafka", "\(error)")
        }
    }

    /// Forces the spool to disk: after it returns, every accepted event survives a machine crash.
    public func flush() async {
        _ = try? await io.runIfActive { try self.spool.sync() }
    }

    /// Waits until Kafka acknowledged every event accepted before the call, up to `timeout`.
    /// Returns whether it did.
    public func waitUntilDelivered(timeout: Duration) async -> Bool {
        let target = spool.endOffset
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if state.withLock({ $0.tracker.acknowledgedPoint }) >= target { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return state.withLock { $0.tracker.acknowledgedPoint } >= target
    }

    /// Group commit, on the spool thread: appends everything waiting in one write (and one fsync).
    private func writeWaiting() {
        while true {
            let batch = state.withLock { s -> [Waiting]? in
                if s.waiting.isEmpty {
                    s.writerActive = false
                    return nil
                }
                defer { s.waiting = [] }
                return s.waiting
            }
            guard let batch else { return }
            do {
                try spool.append(batch.map(\.payload))
                batch.forEach { $0.continuation.resume() }
                wake.signal()
            } catch {
                if error.code == .full { metrics.rejected.increment(by: batch.count) }
                logger.error("events not accepted by the spool", metadata: ["error": "\(error)", "events": "\(batch.count)"])
                let failure = ProviderError(.unavailable, provider: "kafka", error.description)
                batch.forEach { $0.continuation.resume(throwing: failure) }
            }
        }
    }

    /// A spool record: `[u16 key length LE][key][value]`.
    static func record(key: String, value: Data) -> [UInt8] {
        let keyBytes = Array(key.utf8.prefix(65535))
        var out: [UInt8] = [UInt8(keyBytes.count & 0xFF), UInt8(keyBytes.count >> 8)]
        out.reserveCapacity(2 + keyBytes.count + value.count)
        out += keyBytes
        out += value
        return out
    }
}

/// The spool's metrics, created once.
struct SpoolMetrics: Sendable {
    let fill: Gauge
    let bytes: Gauge
    let rejected: Counter
    let delivered: Counter
    let failures: Counter

    init(factory: any MetricsFactory) {
        fill = Gauge(label: "voicegw_event_spool_fill_ratio", factory: factory)
        bytes = Gauge(label: "voicegw_event_spool_bytes", factory: factory)
        rejected = Counter(label: "voicegw_event_spool_rejected_total", factory: factory)
        delivered = Counter(label: "voicegw_events_delivered_total", factory: factory)
        failures = Counter(label: "voicegw_events_delivery_failures_total", factory: factory)
    }

    func update(_ spool: EventSpool) {
        fill.record(spool.fillRatio)
        bytes.record(Double(spool.usedBytes))
    }
}
