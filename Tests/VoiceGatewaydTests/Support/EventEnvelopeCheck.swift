import Foundation

/// Checks one JSONL line against the `voicegw.call-event/1` envelope of the design.
enum EventEnvelopeCheck {
    static let types: Set<String> = [
        "call.started", "call.answered", "call.ended", "call.transferred", "call.escalated", "stt.transcribed",
        "llm.responded", "tts.generated", "dtmf.received", "barge_in", "error.stt_failed", "error.llm_timeout", "error.tts_failed",
    ]

    static func problems(_ line: String) -> [String] {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else { return ["not a JSON object"] }
        var problems: [String] = []
        let keys: Set<String> = ["schema", "event_id", "type", "occurred_at", "sequence", "tenant_id", "call_id", "conversation_id", "instance_id", "data"]
        if Set(object.keys) != keys { problems.append("keys \(object.keys.sorted())") }
        if object["schema"] as? String != "voicegw.call-event/1" { problems.append("schema") }
        if UUID(uuidString: object["event_id"] as? String ?? "") == nil { problems.append("event_id") }
        if !types.contains(object["type"] as? String ?? "") { problems.append("type") }
        let time = object["occurred_at"] as? String ?? ""
        if time.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"#, options: .regularExpression) == nil { problems.append("occurred_at \(time)") }
        if (object["sequence"] as? Int ?? 0) < 1 { problems.append("sequence") }
        for key in ["tenant_id", "call_id", "conversation_id", "instance_id"] where (object[key] as? String ?? "").isEmpty {
            problems.append(key)
        }
        if !(object["data"] is [String: Any]) { problems.append("data") }
        return problems
    }
}
