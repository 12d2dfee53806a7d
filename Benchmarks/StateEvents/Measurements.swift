import CallState
import Domain
import Events
import Foundation
import Logging
import TestSupport

/// A call's worth of realistic events (~350-450 bytes each as JSON).
func simulatedCall(_ n: Int, events: Int) -> [CallEvent] {
    let callID = CallID(UUIDv4.random())
    let conversation = ConversationID(UUIDv4.random())
    return (1...events).map { sequence in
        let type: CallEventType = sequence == 1 ? .callStarted : sequence == events ? .callEnded : .sttTranscribed
        let data: [String: JSONValue] =
            switch type {
            case .callStarted: ["direction": "inbound", "caller_number": "+15550001", "callee_number": "100", "channel_id": .string("ch-\(n)")]
            case .callEnded: ["reason": "caller_hangup", "duration_ms": 61_000]
            default: ["text": "I would like to check the balance of my account please", "final": true, "latency_ms": 180, "provider": "sphinx"]
            }
        return CallEvent(
            type: type, occurredAt: WallClock().now(), sequence: sequence, tenantID: "acme", callID: callID,
            conversationID: conversation, instanceID: "bench", data: data)
    }
}

/// Events per second accepted by `publish` (i.e. durably spooled) with `calls` concurrent publishers.
/// Brokers point at a closed port: this measures the spool, not Kafka.
func spoolThroughput(policy: SpoolConfiguration.FsyncPolicy, calls: Int, eventsPerCall: Int) async throws -> Double {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vgw-bench-spool-\(UUIDv4.random())").path
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var logger = Logger(label: "bench")
    logger.logLevel = .error
    let publisher = try KafkaEventPublisher(
        configuration: KafkaConfiguration(brokers: "127.0.0.1:9"), spool: SpoolConfiguration(directory: directory, maxBytes: 1 << 30, fsync: policy),
        clock: WallClock(), logger: logger)
    let workload = (0..<calls).map { simulatedCall($0, events: eventsPerCall) }
    let start = ContinuousClock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        for events in workload {
            group.addTask { for event in events { try await publisher.publish(event) } }
        }
        try await group.waitForAll()
    }
    let elapsed = (ContinuousClock.now - start).seconds
    return Double(calls * eventsPerCall) / elapsed
}

/// Microseconds per call-state update (GET + compare-and-set script) and per save, sequential, against
/// a local redis-server.
func redisRoundTrip(updates: Int, appendfsync: String) async throws -> (update: Double, save: Double)? {
    guard let server = try RedisServerProcess(appendfsync: appendfsync) else { return nil }
    defer { server.kill() }
    var logger = Logger(label: "bench")
    logger.logLevel = .error
    let repository = RedisCallRepository(
        configuration: RedisConfiguration(endpoint: RedisEndpoint(host: "127.0.0.1", port: server.port)), clock: WallClock(), logger: logger)
    let saves = 500
    let saveStart = ContinuousClock.now
    for n in 0..<saves {
        try await repository.save(
            Call(
                id: CallID("bench-\(n)"), tenantID: "acme", channelID: ChannelID("ch-\(n)"), conversationID: "v", direction: .inbound,
                callerNumber: "+15550001", calleeNumber: "100", instanceID: "bench", createdAt: WallClock().now()))
    }
    let saveMicros = (ContinuousClock.now - saveStart).seconds * 1e6 / Double(saves)
    let start = ContinuousClock.now
    for n in 0..<updates {
        _ = try await repository.update(CallID("bench-\(n % saves)")) { $0.metadata["turn"] = String(n) }
    }
    let updateMicros = (ContinuousClock.now - start).seconds * 1e6 / Double(updates)
    await repository.close()
    return (updateMicros, saveMicros)
}

/// Events produced by `calls` simulated calls while the mock brokers are down for `outage`, and what a
/// separate consumer read afterwards.
struct OutageResult: Codable {
    var produced: Int
    var consumed: Int
    var unique: Int
    var missing: Int
    var drainSecondsAfterUp: Double
}

func kafkaOutage(calls: Int, eventsPerCall: Int, outage: Duration) async throws -> OutageResult? {
    guard let cluster = try KafkaMockClusterProcess() else { return nil }
    defer { cluster.quit() }
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vgw-bench-outage-\(UUIDv4.random())").path
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var logger = Logger(label: "bench")
    logger.logLevel = .error
    let publisher = try KafkaEventPublisher(
        configuration: KafkaConfiguration(brokers: cluster.bootstrapServers, properties: ["reconnect.backoff.ms": "50", "reconnect.backoff.max.ms": "500"]),
        spool: SpoolConfiguration(directory: directory, fsync: .batch(interval: .milliseconds(20))), clock: WallClock(), logger: logger)
    let runner = Task { try await publisher.run() }
    defer { runner.cancel() }
    let workload = (0..<calls).map { simulatedCall($0, events: eventsPerCall) }
    try cluster.down()
    try await withThrowingTaskGroup(of: Void.self) { group in
        for events in workload {
            group.addTask {
                for event in events {
                    try await publisher.publish(event)
                    try await Task.sleep(for: outage / eventsPerCall)
                }
            }
        }
        try await group.waitForAll()
    }
    try cluster.up()
    let upAt = ContinuousClock.now
    _ = await publisher.waitUntilDelivered(timeout: .seconds(120))
    let drain = (ContinuousClock.now - upAt).seconds
    let produced = workload.flatMap { $0 }
    let consumed = await KafkaTestConsumer.readAll(bootstrap: cluster.bootstrapServers, topic: "voicegw.call-events", expected: produced.count)
    let ids = Set(consumed.compactMap { try? JSONDecoder().decode(CallEvent.self, from: $0.value).eventID })
    return OutageResult(
        produced: produced.count, consumed: consumed.count, unique: ids.count,
        missing: produced.filter { !ids.contains($0.eventID) }.count, drainSecondsAfterUp: drain)
}
