import Domain
import Foundation
import Testing

@Suite("Call event envelope")
struct CallEventTests {
    @Test func encodesTheDocumentedEnvelope() throws {
        let event = CallEvent(
            eventID: "6f1c1b3e-5b1a-4d3c-9f7e-2a8b9c0d1e2f", type: .callAnswered,
            occurredAt: Timestamp(millisecondsSinceEpoch: 1_795_340_170_404), sequence: 2, tenantID: "acme",
            callID: "c1", conversationID: "conv1", instanceID: "i1", data: ["channel_id": "1795340170.1", "n": 3])
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let text = String(decoding: try encoder.encode(event), as: UTF8.self)
        #expect(text == #"{"call_id":"c1","conversation_id":"conv1","data":{"channel_id":"1795340170.1","n":3},"event_id":"6f1c1b3e-5b1a-4d3c-9f7e-2a8b9c0d1e2f","instance_id":"i1","occurred_at":"2026-11-22T09:36:10.404Z","schema":"voicegw.call-event\/1","sequence":2,"tenant_id":"acme","type":"call.answered"}"#)
        let decoded = try JSONDecoder().decode(CallEvent.self, from: Data(text.utf8))
        #expect(decoded == event)
    }

    @Test func rejectsMalformedTimestamps() {
        let text = #"{"call_id":"c1","conversation_id":"c","data":{},"event_id":"e","instance_id":"i","occurred_at":"soon","schema":"voicegw.call-event/1","sequence":1,"tenant_id":"t","type":"call.started"}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(CallEvent.self, from: Data(text.utf8)) }
    }
}
