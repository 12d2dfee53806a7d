import Domain
import Foundation

/// The JSON document stored at `voicegw:call:{id}`: the fields of `Call` under the snake_case names of
/// DESIGN.md ("State in Redis"), including `version`, `instance_id` and `updated_at`.
///
/// Only top-level names are renamed, so metadata keys and nested values are stored as given.
enum CallDocument {
    /// Swift property name -> document field name.
    static let fieldNames: [String: String] = [
        "id": "call_id", "tenantID": "tenant_id", "channelID": "channel_id", "conversationID": "conversation_id",
        "direction": "direction", "callerNumber": "caller_number", "calleeNumber": "callee_number", "state": "state",
        "createdAt": "created_at", "answeredAt": "answered_at", "endedAt": "ended_at", "endReason": "end_reason",
        "agentID": "agent_id", "sttProvider": "stt_provider", "ttsProvider": "tts_provider",
        "transferTarget": "transfer_target", "metadata": "metadata", "version": "version",
        "instanceID": "instance_id", "updatedAt": "updated_at", "eventSequence": "event_sequence",
        "history": "history",
    ]
    static let propertyNames: [String: String] = Dictionary(uniqueKeysWithValues: fieldNames.map { ($1, $0) })

    /// The document text of `call`.
    static func encode(_ call: Call) throws -> String {
        let swiftForm = try JSONDecoder().decode([String: JSONValue].self, from: JSONEncoder().encode(call))
        var document: [String: JSONValue] = [:]
        for (name, value) in swiftForm { document[fieldNames[name] ?? name] = value }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(document), as: UTF8.self)
    }

    /// The call in document `text`. Throws `ProviderError(.badResponse)` when it is not a call document.
    static func decode(_ text: String) throws(ProviderError) -> Call {
        do {
            let document = try JSONDecoder().decode([String: JSONValue].self, from: Data(text.utf8))
            var swiftForm: [String: JSONValue] = [:]
            for (name, value) in document { swiftForm[propertyNames[name] ?? name] = value }
            return try JSONDecoder().decode(Call.self, from: JSONEncoder().encode(swiftForm))
        } catch {
            throw ProviderError(.badResponse, provider: "redis", "not a call document: \(error)")
        }
    }
}

/// The key schema of DESIGN.md.
enum RedisKeys {
    static func call(_ id: CallID) -> String { "voicegw:call:\(id.rawValue)" }
    static func tenantCalls(_ tenant: TenantID) -> String { "voicegw:tenant:\(tenant.rawValue):calls" }
    static func instanceCalls(_ instance: InstanceID) -> String { "voicegw:instance:\(instance.rawValue):calls" }
    /// Every call id (for unfiltered listing); pruned lazily like the other sets.
    static let allCalls = "voicegw:calls"
    static func alive(_ instance: InstanceID) -> String { "voicegw:instance:\(instance.rawValue):alive" }
    static let instances = "voicegw:instances"
    static func channelClaim(_ channel: ChannelID) -> String { "voicegw:channel:\(channel.rawValue):claim" }
}
