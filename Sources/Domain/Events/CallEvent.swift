/// The type of a call event. Stable strings: analytics consumers key on them.
public struct CallEventType: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let callStarted = CallEventType(rawValue: "call.started")
    public static let callAnswered = CallEventType(rawValue: "call.answered")
    public static let callEnded = CallEventType(rawValue: "call.ended")
    public static let callTransferred = CallEventType(rawValue: "call.transferred")
    public static let callEscalated = CallEventType(rawValue: "call.escalated")
    public static let sttTranscribed = CallEventType(rawValue: "stt.transcribed")
    public static let llmResponded = CallEventType(rawValue: "llm.responded")
    public static let ttsGenerated = CallEventType(rawValue: "tts.generated")
    public static let dtmfReceived = CallEventType(rawValue: "dtmf.received")
    public static let bargeIn = CallEventType(rawValue: "barge_in")
    public static let sttFailed = CallEventType(rawValue: "error.stt_failed")
    public static let llmTimeout = CallEventType(rawValue: "error.llm_timeout")
    public static let ttsFailed = CallEventType(rawValue: "error.tts_failed")

    /// Every type the daemon emits.
    public static let all: [CallEventType] = [
        .callStarted, .callAnswered, .callEnded, .callTransferred, .callEscalated, .sttTranscribed,
        .llmResponded, .ttsGenerated, .dtmfReceived, .bargeIn, .sttFailed, .llmTimeout, .ttsFailed,
    ]
}

/// The versioned envelope of every call event (`voicegw.call-event/1`).
///
/// JSON: `{"schema":"voicegw.call-event/1","event_id":UUID,"type":"call.answered","occurred_at":RFC 3339 ms,
/// "sequence":N,"tenant_id":..,"call_id":..,"conversation_id":..,"instance_id":..,"data":{...}}`.
/// `sequence` counts from 1 per call, so consumers can order and dedupe (by `event_id`).
public struct CallEvent: Sendable, Hashable, Codable {
    /// The schema identifier of this envelope version.
    public static let schemaName = "voicegw.call-event/1"

    public var schema: String
    public var eventID: EventID
    public var type: CallEventType
    public var occurredAt: Timestamp
    public var sequence: Int
    public var tenantID: TenantID
    public var callID: CallID
    public var conversationID: ConversationID
    public var instanceID: InstanceID
    public var data: [String: JSONValue]

    public init(
        eventID: EventID = .random(), type: CallEventType, occurredAt: Timestamp, sequence: Int,
        tenantID: TenantID, callID: CallID, conversationID: ConversationID, instanceID: InstanceID,
        data: [String: JSONValue] = [:]
    ) {
        self.schema = Self.schemaName
        self.eventID = eventID
        self.type = type
        self.occurredAt = occurredAt
        self.sequence = sequence
        self.tenantID = tenantID
        self.callID = callID
        self.conversationID = conversationID
        self.instanceID = instanceID
        self.data = data
    }

    enum CodingKeys: String, CodingKey {
        case schema
        case eventID = "event_id"
        case type
        case occurredAt = "occurred_at"
        case sequence
        case tenantID = "tenant_id"
        case callID = "call_id"
        case conversationID = "conversation_id"
        case instanceID = "instance_id"
        case data
    }
}
