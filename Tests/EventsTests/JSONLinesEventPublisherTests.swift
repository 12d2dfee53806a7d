import Domain
import Events
import Foundation
import Logging
import Testing

@Suite("JSONL event publisher")
struct JSONLinesEventPublisherTests {
    func event(_ sequence: Int, _ type: CallEventType = .callStarted) -> CallEvent {
        CallEvent(
            type: type, occurredAt: Timestamp(millisecondsSinceEpoch: 1_795_340_170_404 + Int64(sequence)),
            sequence: sequence, tenantID: "t", callID: "c", conversationID: "v", instanceID: "i", data: ["n": .int(Int64(sequence))])
    }

    @Test func writesOneEnvelopePerLineAndAppendsAcrossRestarts() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vgw-\(UUIDv4.random())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("nested/events.jsonl").path
        let first = JSONLinesEventPublisher(path: path, logger: Logger(label: "t"))
        try await first.publish(event(1))
        try await first.publish(event(2, .callAnswered))
        await first.close()
        // Lines are on disk before publish returns (flushed per event), and a new publisher appends.
        let second = JSONLinesEventPublisher(path: path, logger: Logger(label: "t"))
        try await second.publish(event(3, .callEnded))
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3)
        let decoded = try lines.map { try JSONDecoder().decode(CallEvent.self, from: Data($0.utf8)) }
        #expect(decoded.map(\.sequence) == [1, 2, 3])
        #expect(decoded.map(\.type) == [.callStarted, .callAnswered, .callEnded])
        #expect(decoded[0] == event(1).withID(decoded[0].eventID))
    }

    @Test func unwritablePathIsAClassifiedError() async {
        let publisher = JSONLinesEventPublisher(path: "/proc/voicegw-denied/events.jsonl", logger: Logger(label: "t"))
        await #expect(throws: ProviderError.self) { try await publisher.publish(event(1)) }
    }
}

extension CallEvent {
    func withID(_ id: EventID) -> CallEvent {
        var copy = self
        copy.eventID = id
        return copy
    }
}
