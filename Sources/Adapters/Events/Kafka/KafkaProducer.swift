import CRdKafka
import Domain
import Foundation
import Synchronization

/// A librdkafka producer for one topic, with a thread that serves its delivery reports and errors.
///
/// Each message carries a token (the spool offset) that comes back in its delivery report, so the
/// publisher knows exactly which spooled events Kafka acknowledged.
/// `@unchecked Sendable`: librdkafka documents `rd_kafka_t` and `rd_kafka_topic_t` as thread-safe (produce
/// from any thread while another polls); the handles are immutable after `init`.
final class KafkaProducer: @unchecked Sendable {
    /// What `produce` did.
    enum ProduceResult: Sendable, Equatable {
        case queued
        /// librdkafka's local queue is full: poll and try again.
        case queueFull
        case failed(String)
    }

    /// What the poll thread reports.
    struct Callbacks: Sendable {
        /// A delivery report: the token given to `produce` and the outcome (`RD_KAFKA_RESP_ERR_NO_ERROR` = acked).
        var delivered: @Sendable (_ token: Int64, _ error: rd_kafka_resp_err_t, _ message: String) -> Void
        /// A client-level error (`_ALL_BROKERS_DOWN`, `_TRANSPORT`, `_FATAL`...).
        var error: @Sendable (_ error: rd_kafka_resp_err_t, _ reason: String) -> Void
        /// A librdkafka log line (syslog level 0...7, facility, message), instead of its stderr output.
        var log: @Sendable (_ level: Int32, _ facility: String, _ message: String) -> Void
    }

    private final class Box: Sendable {
        let callbacks: Callbacks
        init(_ callbacks: Callbacks) { self.callbacks = callbacks }
    }

    private let handle: OpaquePointer
    private let topic: OpaquePointer
    private let box: Box
    private let running = Atomic(true)
    private let stopped = DispatchSemaphore(value: 0)

    init(configuration: KafkaConfiguration, callbacks: Callbacks) throws(ProviderError) {
        let conf: OpaquePointer
        do { conf = try configuration.makeConf() } catch {
            throw ProviderError(.badRequest, provider: "kafka", error.description)
        }
        let box = Box(callbacks)
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(box).toOpaque())
        rd_kafka_conf_set_dr_msg_cb(conf) { _, message, opaque in
            guard let message, let opaque else { return }
            let box = Unmanaged<Box>.fromOpaque(opaque).takeUnretainedValue()
            let token = Int64(Int(bitPattern: message.pointee._private)) - 1
            let error = message.pointee.err
            let text = error == RD_KAFKA_RESP_ERR_NO_ERROR ? "" : String(cString: rd_kafka_err2str(error))
            box.callbacks.delivered(token, error, text)
        }
        rd_kafka_conf_set_error_cb(conf) { _, error, reason, opaque in
            guard let opaque else { return }
            let box = Unmanaged<Box>.fromOpaque(opaque).takeUnretainedValue()
            box.callbacks.error(rd_kafka_resp_err_t(rawValue: error), reason.map { String(cString: $0) } ?? "")
        }
        rd_kafka_conf_set_log_cb(conf) { handle, level, facility, message in
            guard let handle, let opaque = rd_kafka_opaque(handle) else { return }
            let box = Unmanaged<Box>.fromOpaque(opaque).takeUnretainedValue()
            box.callbacks.log(level, facility.map { String(cString: $0) } ?? "", message.map { String(cString: $0) } ?? "")
        }
        var errorText = [CChar](repeating: 0, count: 512)
        guard let handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)
            throw ProviderError(.badRequest, provider: "kafka", "cannot create producer: \(cString(errorText))")
        }
        guard let topic = rd_kafka_topic_new(handle, configuration.topic, nil) else {
            rd_kafka_destroy(handle)
            throw ProviderError(.badRequest, provider: "kafka", "cannot use topic \(configuration.topic)")
        }
        self.handle = handle
        self.topic = topic
        self.box = box
        let thread = Thread { [self] in
            while running.load(ordering: .acquiring) { rd_kafka_poll(self.handle, 100) }
            stopped.signal()
        }
        thread.name = "kafka-poll"
        thread.start()
    }

    /// Queues one message (copied) for delivery. `token` comes back in the delivery report.
    func produce(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, token: Int64) -> ProduceResult {
        let opaque = UnsafeMutableRawPointer(bitPattern: Int(token + 1))
        let status = rd_kafka_produce(
            topic, voicegw_kafka_partition_unassigned(), voicegw_kafka_msg_f_copy(), UnsafeMutableRawPointer(mutating: value.baseAddress), value.count,
            key.baseAddress, key.count, opaque)
        if status == 0 { return .queued }
        let error = rd_kafka_last_error()
        if error == RD_KAFKA_RESP_ERR__QUEUE_FULL { return .queueFull }
        return .failed(String(cString: rd_kafka_err2str(error)))
    }

    /// Whether a broker answers a metadata request for the topic within `timeout` (blocks; call it off
    /// the cooperative pool). Used to notice that brokers are back while no event is flowing.
    func brokersReachable(timeout: Duration) -> Bool {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let error = rd_kafka_metadata(handle, 0, topic, &metadata, Int32(clamping: timeout.milliseconds))
        if let metadata { rd_kafka_metadata_destroy(metadata) }
        return error == RD_KAFKA_RESP_ERR_NO_ERROR
    }

    /// The fatal error of an idempotent producer, if one was raised (the producer must be replaced).
    func fatalError() -> String? {
        var text = [CChar](repeating: 0, count: 512)
        let error = rd_kafka_fatal_error(handle, &text, text.count)
        return error == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : cString(text)
    }

    /// Waits up to `timeout` for queued messages, stops the poll thread and destroys the client.
    /// Messages still queued are dropped here; they stay in the spool.
    func shutdown(timeout: Duration) {
        rd_kafka_flush(handle, Int32(clamping: timeout.milliseconds))
        running.store(false, ordering: .releasing)
        stopped.wait()
        rd_kafka_purge(handle, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT)
        rd_kafka_poll(handle, 0)
        rd_kafka_topic_destroy(topic)
        rd_kafka_destroy(handle)
    }
}
