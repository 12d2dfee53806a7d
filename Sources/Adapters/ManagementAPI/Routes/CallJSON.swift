import Domain

/// How calls look in the API's JSON.
enum CallJSON {
    /// A call: identity, parties, state and times, and its redacted conversation so far.
    static func call(_ call: Call) -> [String: Any] {
        var body = summary(call)
        body["history"] = transcript(call)
        return body
    }

    /// A call without its conversation (listings).
    static func summary(_ call: Call) -> [String: Any] {
        var body: [String: Any] = [
            "call_id": call.id.rawValue, "tenant_id": call.tenantID.rawValue, "conversation_id": call.conversationID.rawValue,
            "direction": call.direction.rawValue, "state": call.state.rawValue, "from": call.callerNumber, "to": call.calleeNumber,
            "created_at": call.createdAt.rfc3339, "updated_at": call.updatedAt.rfc3339, "instance_id": call.instanceID.rawValue,
        ]
        if let answered = call.answeredAt { body["answered_at"] = answered.rfc3339 }
        if let ended = call.endedAt { body["ended_at"] = ended.rfc3339 }
        if let reason = call.endReason { body["end_reason"] = reason.rawValue }
        if let agent = call.agentID { body["agent_id"] = agent }
        if let target = call.transferTarget { body["transfer_target"] = target.description }
        return body
    }

    /// The conversation lines (already redacted when they were stored).
    static func transcript(_ call: Call) -> [[String: Any]] {
        (call.history ?? []).map { ["speaker": $0.speaker.rawValue, "text": $0.text, "at": $0.at.rfc3339] }
    }
}
