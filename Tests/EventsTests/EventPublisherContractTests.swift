import Domain
import Events
import Foundation
import Logging
import TestSupport
import Testing

/// The contract of `EventPublisher`, over the JSONL file publisher and the Kafka publisher (mock
/// cluster): accepted events are all delivered, per call in order, as schema-valid envelopes.
@Suite("EventPublisher contract")
struct EventPublisherContractTests {
    enum Kind: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case jsonl, kafka
        var testDescription: String { rawValue }
    }

    /// A publisher under test and a way to read back what it delivered.
    struct Harness {
        var publisher: any EventPublisher
        var delivered: @Sendable (_ expected: Int) async throws -> [Data]
        var finish: @Sendable () async -> Void
    }

    func makeHarness(_ kind: Kind) throws -> Harness? {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vgw-contract-\(UUIDv4.random())").path
        switch kind {
        case .jsonl:
            let path = directory + "/events.jsonl"
            let publisher = JSONLinesEventPublisher(path: path, logger: Logger(label: "jsonl"))
            return Harness(
                publisher: publisher,
                delivered: { _ in
                    try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { Data($0.utf8) }
                },
                finish: { try? FileManager.default.removeItem(atPath: directory) })
        case .kafka:
            guard let cluster = try KafkaMockClusterProcess() else { return nil }  // not built: the test is skipped
            let publisher = try KafkaEventPublisherTests.makePublisher(cluster, spool: directory)
            let runner = Task { try await publisher.run() }
            return Harness(
                publisher: publisher,
                delivered: { expected in
                    guard await publisher.waitUntilDelivered(timeout: .seconds(60)) else { return [] }
                    return await KafkaTestConsumer.readAll(bootstrap: cluster.bootstrapServers, topic: "voicegw.call-events", expected: expected).map(\.value)
                },
                finish: {
                    runner.cancel()
                    _ = try? await runner.value
                    cluster.quit()
                    try? FileManager.default.removeItem(atPath: directory)
                })
        }
    }

    @Test(arguments: Kind.allCases)
    func everyAcceptedEventIsDeliveredInPerCallOrder(kind: Kind) async throws {
        guard let harness = try makeHarness(kind) else {
            try Test.cancel("kafka-mock-cluster not built")
        }
        let calls = (0..<10).map { KafkaEventPublisherTests.callEvents($0, count: 8) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for events in calls {
                group.addTask { for event in events { try await harness.publisher.publish(event) } }
            }
            try await group.waitForAll()
        }
        await harness.publisher.flush()
        let produced = calls.flatMap { $0 }
        let delivered = try await harness.delivered(produced.count)
        let decoded = try delivered.map { try JSONDecoder().decode(CallEvent.self, from: $0) }
        #expect(Set(decoded.map(\.eventID)) == Set(produced.map(\.eventID)))
        for (call, events) in Dictionary(grouping: decoded, by: \.callID) {
            #expect(events.map(\.sequence) == events.map(\.sequence).sorted(), "call \(call)")
        }
        for json in delivered { #expect(validateEvent(json) == []) }
        await harness.finish()
    }
}
