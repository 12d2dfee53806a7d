import CRdKafka
import Domain
import Logging
import ServiceLifecycle

extension KafkaEventPublisher {
    /// Sends spooled events to Kafka until cancelled or shut down gracefully; then waits up to
    /// `shutdownTimeout` for in-flight events and records the checkpoint. Unsent events stay spooled.
    public func run() async throws {
        var producer = try makeProducer()
        state.withLock { $0.running = true }
        logger.info("publishing call events to Kafka", metadata: ["kafka.brokers": "\(configuration.brokers)", "kafka.topic": "\(configuration.topic)"])
        let initial = producer
        producer = await cancelWhenGracefulShutdown { [self] in await drain(initial) }
        let last = producer
        // The wind-down must not inherit the cancellation that ended the loop: it has to finish.
        await Task {
            let deadline = clock.monotonic() + configuration.shutdownTimeout
            while state.withLock({ $0.tracker.inFlight }) > 0 && clock.monotonic() < deadline {
                try? await Task.sleep(for: .milliseconds(20))
            }
            await checkpoint()
            await stop(last)
        }.value
        state.withLock { $0.running = false }
        logger.info("Kafka publisher stopped", metadata: ["spool.unacknowledged_bytes": "\(unacknowledgedBytes)"])
    }

    /// The send loop: returns the producer in use when cancelled.
    private func drain(_ initial: KafkaProducer) async -> KafkaProducer {
        var producer = initial
        var sendOffset = state.withLock { $0.tracker.acknowledgedPoint }
        var lastTick = clock.monotonic()
        while !Task.isCancelled {
            if clock.monotonic() - lastTick >= .milliseconds(50) {
                lastTick = clock.monotonic()
                await checkpoint()
                await probeIfIdleAndDown(producer)
            }
            if let fatal = producer.fatalError() {
                logger.error("Kafka producer failed fatally; replacing it", metadata: ["error": "\(fatal)"])
                await stop(producer)
                state.withLock { $0.tracker = DeliveryTracker(acknowledgedPoint: $0.tracker.acknowledgedPoint) }
                sendOffset = state.withLock { $0.tracker.acknowledgedPoint }
                do { producer = try makeProducer() } catch {
                    logger.error("cannot recreate the Kafka producer", metadata: ["error": "\(error)"])
                    try? await clock.sleep(for: .seconds(1))
                    continue
                }
            }
            if let from = state.withLock({ $0.tracker.rewind() }) {
                logger.warning("resending events after a failed delivery", metadata: ["spool.offset": "\(from)"])
                sendOffset = from
                try? await clock.sleep(for: .milliseconds(200))
            }
            let (inFlight, blocked) = state.withLock { ($0.tracker.inFlight, $0.tracker.needsRewind) }
            let room = configuration.inFlightLimit - inFlight
            if blocked || room <= 0 || sendOffset >= spool.endOffset {
                await wake.wait(timeout: .milliseconds(50))
                continue
            }
            let from = sendOffset
            let records: [EventSpool.Record]
            do {
                records = try await io.runIfActive { [self] in try spool.read(from: from, maxRecords: min(500, room)) }
            } catch {
                if Task.isCancelled { break }
                logger.error("cannot read the event spool", metadata: ["error": "\(error)"])
                try? await clock.sleep(for: .seconds(1))
                continue
            }
            for record in records {
                await send(record, with: producer)
            }
            if let last = records.last { sendOffset = last.next }
        }
        return producer
    }

    private func send(_ record: EventSpool.Record, with producer: KafkaProducer) async {
        state.withLock { $0.tracker.produced(offset: record.offset, next: record.next) }
        let payload = record.payload
        let keyLength = payload.count >= 2 ? Int(payload[0]) | Int(payload[1]) << 8 : 0
        guard payload.count >= 2 + keyLength else {
            // Checksummed, so this is not corruption but a record written by something else: skip it.
            logger.error("malformed spool record skipped", metadata: ["spool.offset": "\(record.offset)"])
            state.withLock { _ = $0.tracker.delivered(offset: record.offset, success: true) }
            return
        }
        while true {
            let result = payload.withUnsafeBytes { bytes in
                producer.produce(
                    key: UnsafeRawBufferPointer(rebasing: bytes[2..<(2 + keyLength)]),
                    value: UnsafeRawBufferPointer(rebasing: bytes[(2 + keyLength)...]), token: record.offset)
            }
            switch result {
            case .queued: return
            case .queueFull: try? await Task.sleep(for: .milliseconds(10))
            case .failed(let message):
                logger.error("event not accepted by the Kafka client; will resend", metadata: ["error": "\(message)"])
                deliveryReport(token: record.offset, error: RD_KAFKA_RESP_ERR__FAIL, message: message)
                return
            }
        }
    }

    func makeProducer() throws -> KafkaProducer {
        try KafkaProducer(
            configuration: configuration,
            callbacks: .init(
                delivered: { [weak self] token, error, message in self?.deliveryReport(token: token, error: error, message: message) },
                error: { [weak self] error, reason in self?.clientError(error, reason: reason) },
                log: { [logger] level, facility, message in
                    // Connection failures are expected during an outage; the publisher reports the state.
                    let swiftLevel: Logger.Level = level <= 3 ? .notice : level <= 5 ? .info : .debug
                    logger.log(level: swiftLevel, "librdkafka", metadata: ["kafka.facility": "\(facility)", "kafka.message": "\(message)"])
                }))
    }

    /// On the poll thread.
    func deliveryReport(token: Int64, error: rd_kafka_resp_err_t, message: String) {
        let success = error == RD_KAFKA_RESP_ERR_NO_ERROR
        let now = clock.monotonic()
        state.withLock { s in
            if s.tracker.delivered(offset: token, success: success) { s.lastProgress = now }
            if success { s.brokersDown = false }
        }
        if success {
            metrics.delivered.increment()
        } else {
            metrics.failures.increment()
            logger.warning("event delivery failed; it will be resent", metadata: ["error": "\(message)", "spool.offset": "\(token)"])
        }
        wake.signal()
    }

    /// On the poll thread.
    func clientError(_ error: rd_kafka_resp_err_t, reason: String) {
        if error == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN {
            let wasDown = state.withLock { s in
                defer { s.brokersDown = true }
                return s.brokersDown
            }
            if !wasDown { logger.warning("all Kafka brokers are down; events are spooled", metadata: ["reason": "\(reason)"]) }
        } else if error == RD_KAFKA_RESP_ERR__FATAL {
            state.withLock { $0.fatal = reason }
            logger.error("Kafka producer fatal error", metadata: ["reason": "\(reason)"])
        } else {
            logger.debug("Kafka client error", metadata: ["error": "\(String(cString: rd_kafka_err2str(error)))", "reason": "\(reason)"])
        }
    }

    /// Moves the spool checkpoint to what Kafka acknowledged and applies the batch fsync policy.
    func checkpoint() async {
        let point = state.withLock { $0.tracker.acknowledgedPoint }
        do {
            try await io.runIfActive { [self] in
                try spool.acknowledge(upTo: point)
                if case .batch = spool.configuration.fsync { try spool.sync() }
            }
        } catch {
            logger.error("cannot update the event spool checkpoint", metadata: ["error": "\(error)"])
        }
        metrics.update(spool)
    }

    /// While the brokers are marked down and nothing is in flight (so no delivery report will say
    /// they are back), asks for metadata every 2 s to bring `/ready` back to `connected`.
    private func probeIfIdleAndDown(_ producer: KafkaProducer) async {
        let now = clock.monotonic()
        let due = state.withLock { s -> Bool in
            guard s.brokersDown, s.tracker.inFlight == 0, now - s.lastProbe >= .seconds(2) else { return false }
            s.lastProbe = now
            return true
        }
        guard due else { return }
        let reachable = (try? await io.runIfActive { producer.brokersReachable(timeout: .milliseconds(500)) }) ?? false
        if reachable {
            state.withLock { $0.brokersDown = false }
            logger.info("Kafka brokers reachable again")
        }
    }

    private func stop(_ producer: KafkaProducer) async {
        _ = try? await io.runIfActive { producer.shutdown(timeout: .milliseconds(100)) }
        state.withLock { $0.fatal = nil }
    }
}
