import Domain
import Events
import Foundation
import Logging
import TestSupport
import Testing

/// Integration with librdkafka's mock cluster, run as a separate process (`kafka-mock-cluster`).
/// Runs when the helper is built (`swift build --build-tests` builds it); skipped, not failed, otherwise.
let mockClusterBuilt = ExternalBinary.packageProduct("kafka-mock-cluster") != nil

@Suite("Kafka event publisher")
struct KafkaEventPublisherTests {
    static func spoolDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("vgw-kspool-\(UUIDv4.random())").path
    }

    static func makePublisher(_ cluster: KafkaMockClusterProcess, spool: String, fsync: SpoolConfiguration.FsyncPolicy = .batch(interval: .milliseconds(20))) throws -> KafkaEventPublisher {
        try KafkaEventPublisher(
            configuration: KafkaConfiguration(brokers: cluster.bootstrapServers, properties: ["reconnect.backoff.ms": "50", "reconnect.backoff.max.ms": "500"]),
            spool: SpoolConfiguration(directory: spool, maxBytes: 64 << 20, fsync: fsync), clock: WallClock(), logger: Logger(label: "kafka-test"))
    }

    /// The events a simulated call produces, in order (the data shapes the Application records).
    static func callEvents(_ call: Int, count: Int) -> [CallEvent] {
        let callID = CallID(UUIDv4.random())
        return (1...count).map { sequence in
            let type: CallEventType = sequence == 1 ? .callStarted : sequence == count ? .callEnded : .sttTranscribed
            let data: [String: JSONValue] =
                switch type {
                case .callStarted: ["direction": "inbound", "caller_number": "+15550001", "callee_number": "100", "channel_id": .string("ch-\(call)")]
                case .callEnded: ["reason": "caller_hangup", "duration_ms": 1234]
                default: ["text": .string("utterance \(sequence)"), "final": true, "latency_ms": 120, "provider": "sphinx"]
                }
            return CallEvent(
                type: type, occurredAt: Timestamp(millisecondsSinceEpoch: 1_795_340_170_000 + Int64(sequence)), sequence: sequence,
                tenantID: "acme", callID: callID, conversationID: ConversationID(UUIDv4.random()), instanceID: "node-a", data: data)
        }
    }

    /// Checks that every event arrived (duplicates allowed) and, per call, in sequence order.
    static func verify(_ consumed: [KafkaTestConsumer.Message], against produced: [CallEvent]) throws {
        let decoder = JSONDecoder()
        var firstSeen: [CallID: [Int]] = [:]
        var ids = Set<EventID>()
        for message in consumed {
            #expect(validateEvent(message.value).isEmpty, "schema: \(validateEvent(message.value))")
            let event = try decoder.decode(CallEvent.self, from: message.value)
            #expect(message.key == event.callID.rawValue)
            if ids.insert(event.eventID).inserted { firstSeen[event.callID, default: []].append(event.sequence) }
        }
        let missing = produced.filter { !ids.contains($0.eventID) }
        #expect(missing.isEmpty, "\(missing.count) events lost")
        for (call, sequences) in firstSeen {
            #expect(sequences == sequences.sorted(), "call \(call) out of order: \(sequences)")
        }
    }

    @Test(.enabled(if: mockClusterBuilt)) func deliversInOrderKeyedByCallAndValidAgainstTheSchema() async throws {
        let cluster = try #require(try KafkaMockClusterProcess(), "kafka-mock-cluster not built")
        let spool = Self.spoolDirectory()
        defer { try? FileManager.default.removeItem(atPath: spool) }
        let publisher = try Self.makePublisher(cluster, spool: spool)
        let runner = Task { try await publisher.run() }
        let produced = (0..<5).flatMap { Self.callEvents($0, count: 10) }
        for event in produced { try await publisher.publish(event) }
        #expect(await publisher.waitUntilDelivered(timeout: .seconds(60)))
        #expect(await publisher.dependencyState() == .connected)
        let consumed = await KafkaTestConsumer.readAll(bootstrap: cluster.bootstrapServers, topic: "voicegw.call-events", expected: produced.count)
        #expect(consumed.count == produced.count)
        try Self.verify(consumed, against: produced)
        // Same call, same partition.
        let partitions = Dictionary(grouping: consumed, by: \.key).mapValues { Set($0.map(\.partition)) }
        #expect(partitions.values.allSatisfy { $0.count == 1 })
        runner.cancel()
        _ = try? await runner.value
        #expect(publisher.unacknowledgedBytes == 0)
        cluster.quit()
    }

    /// 100 simulated calls produce events while the brokers go down and come back: every event_id
    /// arrives, in per-call order.
    @Test(.enabled(if: mockClusterBuilt)) func brokerOutageLosesNothing() async throws {
        let cluster = try #require(try KafkaMockClusterProcess(), "kafka-mock-cluster not built")
        let spool = Self.spoolDirectory()
        defer { try? FileManager.default.removeItem(atPath: spool) }
        let publisher = try Self.makePublisher(cluster, spool: spool)
        let runner = Task { try await publisher.run() }
        let calls = (0..<100).map { Self.callEvents($0, count: 12) }
        let produced = calls.flatMap { $0 }

        try await withThrowingTaskGroup(of: Void.self) { group in
            for events in calls {
                group.addTask {
                    for (index, event) in events.enumerated() {
                        try await publisher.publish(event)
                        // About 3 s of traffic per call, so events flow before, during and after the outage.
                        if index < events.count - 1 { try await Task.sleep(for: .milliseconds(250)) }
                    }
                }
            }
            group.addTask {
                try await Task.sleep(for: .milliseconds(500))
                try cluster.down()
                let downAt = ContinuousClock.now
                // `/ready` reports the outage (generous bound: a loaded 2-core box).
                var state = await publisher.dependencyState()
                while state != .degraded && ContinuousClock.now - downAt < .seconds(20) {
                    try await Task.sleep(for: .milliseconds(50))
                    state = await publisher.dependencyState()
                }
                #expect(state == .degraded)
                try await Task.sleep(until: downAt + .seconds(2))
                // Events piled up in the spool during the outage.
                #expect(publisher.unacknowledgedBytes > 0)
                try cluster.up()
            }
            try await group.waitForAll()
        }
        #expect(await publisher.waitUntilDelivered(timeout: .seconds(120)))
        var state = await publisher.dependencyState()
        for _ in 0..<200 where state != .connected {
            try await Task.sleep(for: .milliseconds(100))
            state = await publisher.dependencyState()
        }
        #expect(state == .connected)
        let consumed = await KafkaTestConsumer.readAll(bootstrap: cluster.bootstrapServers, topic: "voicegw.call-events", expected: produced.count)
        print("kafka outage: produced \(produced.count) events, consumed \(consumed.count) messages, unique \(Set(consumed.map(\.value)).count)")
        #expect(consumed.count >= produced.count)
        try Self.verify(consumed, against: produced)
        runner.cancel()
        _ = try? await runner.value
        cluster.quit()
    }

    /// The daemon dies (no flush, no shutdown) with events spooled and brokers down; a new publisher on
    /// the same spool delivers them.
    @Test(.enabled(if: mockClusterBuilt)) func restartReplaysWhatKafkaDidNotAcknowledge() async throws {
        let cluster = try #require(try KafkaMockClusterProcess(), "kafka-mock-cluster not built")
        let spool = Self.spoolDirectory()
        defer { try? FileManager.default.removeItem(atPath: spool) }
        let produced = (0..<20).flatMap { Self.callEvents($0, count: 10) }
        do {
            let first = try Self.makePublisher(cluster, spool: spool, fsync: .never)
            let runner = Task { try await first.run() }
            for event in produced[..<100] { try await first.publish(event) }
            #expect(await first.waitUntilDelivered(timeout: .seconds(60)))
            try cluster.down()
            for event in produced[100...] { try await first.publish(event) }
            // kill -9: the run loop is torn down and the publisher dropped without flush or shutdown.
            runner.cancel()
            _ = try? await runner.value
        }
        try cluster.up()
        let second = try Self.makePublisher(cluster, spool: spool)
        #expect(second.unacknowledgedBytes > 0)
        let runner = Task { try await second.run() }
        #expect(await second.waitUntilDelivered(timeout: .seconds(60)))
        let consumed = await KafkaTestConsumer.readAll(bootstrap: cluster.bootstrapServers, topic: "voicegw.call-events", expected: produced.count)
        try Self.verify(consumed, against: produced)
        runner.cancel()
        _ = try? await runner.value
        cluster.quit()
    }

    @Test func configurationErrorsNameTheKey() {
        func key(_ configuration: KafkaConfiguration) -> String? {
            do { try configuration.validate(); return nil } catch { return error.key }
        }
        #expect(key(KafkaConfiguration(brokers: "localhost:9092")) == nil)
        #expect(key(KafkaConfiguration(brokers: "localhost")) == "events.kafka.brokers")
        #expect(key(KafkaConfiguration(brokers: "h:1", topic: "bad topic")) == "events.kafka.topic")
        #expect(key(KafkaConfiguration(brokers: "h:1", properties: ["no.such.property": "1"])) == "events.kafka.properties.no.such.property")
        #expect(key(KafkaConfiguration(brokers: "h:1", properties: ["acks": "1"])) == "events.kafka.properties.acks")
        #expect(key(KafkaConfiguration(brokers: "h:1", properties: ["security.protocol": "sasl_ssl", "sasl.mechanisms": "PLAIN"])) == nil)
    }
}
