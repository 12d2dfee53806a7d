import Domain
import Foundation
import TestSupport
import Testing

/// The schemas in `schemas/` and the validator other test targets use.
@Suite("Event schemas")
struct EventSchemaTests {
    static let samples: [(CallEventType, [String: JSONValue])] = [
        (.callStarted, ["direction": "inbound", "caller_number": "+15550001", "callee_number": "100", "channel_id": "1795340170.1"]),
        (.callAnswered, [:]),
        (.callEnded, ["reason": "caller_hangup", "duration_ms": 5230, "hangup_cause": 16]),
        (.callTransferred, ["target": "queue:sales", "kind": "warm", "outcome": "no_answer", "requested_by": "agent", "duration_ms": 31_200]),
        (.callEscalated, ["target": "queue:humans", "kind": "blind", "requested_by": "operator", "reason": "asked for a person"]),
        (.sttTranscribed, ["text": "I want to pay", "final": true, "confidence": 0.91, "latency_ms": 230, "provider": "sphinx"]),
        (.llmResponded, ["text": "Sure.", "latency_ms": 410]),
        (.ttsGenerated, ["provider": "espeak", "characters": 5, "audio_ms": 700, "latency_ms": 35]),
        (.dtmfReceived, ["digit": "#"]),
        (.dtmfReceived, ["digit": "\u{2022}", "masked": true]),
        (.bargeIn, [:]),
        (.sttFailed, ["provider": "sphinx", "kind": "timeout", "message": "no answer in 5 s"]),
        (.llmTimeout, ["provider": "scripted", "timeout_ms": 8000]),
        (.ttsFailed, ["provider": "espeak", "kind": "unavailable", "message": "engine not loaded"]),
    ]

    func event(_ type: CallEventType, _ data: [String: JSONValue]) -> CallEvent {
        CallEvent(
            type: type, occurredAt: Timestamp(millisecondsSinceEpoch: 1_795_340_170_404), sequence: 1, tenantID: "acme",
            callID: CallID(UUIDv4.random()), conversationID: "conv-1", instanceID: "node-a", data: data)
    }

    @Test func everyTypeHasASchemaAndItsSampleIsValid() {
        #expect(Set(Self.samples.map(\.0)) == Set(CallEventType.all))
        #expect(!validateEvent(event(.dtmfReceived, ["digit": "\u{2022}", "masked": false])).isEmpty, "masked is only ever true")
        #expect(!validateEvent(event(.callTransferred, ["target": "queue:sales"])).isEmpty, "an outcome is required")
        for (type, data) in Self.samples {
            #expect(validateEvent(event(type, data)) == [], "\(type)")
        }
    }

    @Test func envelopeViolationsAreReported() throws {
        var json = try JSONDecoder().decode([String: JSONValue].self, from: JSONEncoder().encode(event(.callAnswered, [:])))
        json["schema"] = "voicegw.call-event/2"
        json["event_id"] = "not-a-uuid"
        json["sequence"] = 0
        json["occurred_at"] = "2026-11-22 09:36"
        json["extra"] = true
        json["tenant_id"] = nil
        let errors = validateEvent(try JSONEncoder().encode(json))
        for fragment in ["/schema", "/event_id", "/sequence", "/occurred_at", "'extra'", "'tenant_id'"] {
            #expect(errors.contains { $0.contains(fragment) }, "no error about \(fragment): \(errors)")
        }
        #expect(validateEvent(Data("{".utf8)).count == 1)
    }

    @Test func dataViolationsAreReported() {
        let errors = validateEvent(event(.sttTranscribed, ["text": 3, "final": "yes", "latency_ms": -1, "provider": "x", "mood": "happy"]))
        for fragment in ["/data/text", "/data/final", "/data/latency_ms", "'mood'"] {
            #expect(errors.contains { $0.contains(fragment) }, "no error about \(fragment): \(errors)")
        }
        #expect(!validateEvent(event(.sttFailed, ["provider": "p", "kind": "exploded", "message": "m"])).isEmpty)
        #expect(!validateEvent(event(.dtmfReceived, ["digit": "12"])).isEmpty)
        #expect(!validateEvent(event(.callEnded, ["reason": "caller_hangup"])).isEmpty)
    }
}
