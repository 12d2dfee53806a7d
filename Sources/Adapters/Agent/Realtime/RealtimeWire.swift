import Foundation

/// The OpenAI Realtime API (GA protocol, WebSocket) messages, as far as the agent uses them.
///
/// GA names only: `session.type: "realtime"`, formats as objects (`{"type":"audio/pcmu"}`,
/// `{"type":"audio/pcm","rate":24000}`), `audio.input` / `audio.output`, `response.output_audio.*`.
/// The retired beta shapes (`OpenAI-Beta: realtime=v1`, `input_audio_format`, `modalities`,
/// `response.audio.delta`) are refused by the server and never used here.
enum RealtimeWire {
    // MARK: Client events

    /// `session.update`: the whole configuration of the call, sent once after the socket opens.
    struct SessionUpdate: Encodable, Sendable {
        var type = "session.update"
        var session: Session
    }

    struct Session: Encodable, Sendable {
        var type = "realtime"
        var model: String
        var outputModalities = ["audio"]
        /// Left out when empty (the model's own default instructions apply).
        var instructions: String?
        var audio: Audio
        var tools: [Tool]
        var toolChoice = "auto"

        enum CodingKeys: String, CodingKey {
            case type, model, instructions, audio, tools
            case outputModalities = "output_modalities"
            case toolChoice = "tool_choice"
        }
    }

    struct Audio: Encodable, Sendable {
        var input: Input
        var output: Output
    }

    struct Input: Encodable, Sendable {
        var format: Format
        var transcription: Transcription
        /// nil: `turn_detection: null` (no server VAD: the client commits each turn).
        var turnDetection: TurnDetection?

        enum CodingKeys: String, CodingKey {
            case format, transcription
            case turnDetection = "turn_detection"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(format, forKey: .format)
            try container.encode(transcription, forKey: .transcription)
            try container.encode(turnDetection, forKey: .turnDetection)  // null when nil, as the API wants it
        }
    }

    /// `input_audio_buffer.commit`: the caller's turn is over (without server VAD).
    struct AudioCommit: Encodable, Sendable {
        var type = "input_audio_buffer.commit"
    }

    struct Output: Encodable, Sendable {
        var format: Format
        var voice: String
    }

    /// An audio format: `{"type":"audio/pcmu"}` (G.711 mu-law, 8 kHz, no rate field) or
    /// `{"type":"audio/pcm","rate":24000}` (PCM16 little-endian; 24 kHz is the only rate allowed).
    struct Format: Codable, Sendable, Hashable {
        var type: String
        var rate: Int?
    }

    /// Transcription of the caller's audio (runs beside the model; it gives `.callerSaid`).
    struct Transcription: Encodable, Sendable {
        var model: String
        /// ISO-639-1 (`en`), when the call's language is known.
        var language: String?
    }

    /// Server voice activity detection: the server cuts the caller's turns and answers each.
    struct TurnDetection: Encodable, Sendable {
        var type = "server_vad"
        var threshold: Double
        var prefixPaddingMs: Int
        var silenceDurationMs: Int
        var createResponse: Bool
        var interruptResponse: Bool

        enum CodingKeys: String, CodingKey {
            case type, threshold
            case prefixPaddingMs = "prefix_padding_ms"
            case silenceDurationMs = "silence_duration_ms"
            case createResponse = "create_response"
            case interruptResponse = "interrupt_response"
        }
    }

    /// A function tool, flat (not nested under `function` as in chat completions).
    struct Tool: Encodable, Sendable {
        var type = "function"
        var name: String
        var description: String
        var parameters: ChatWire.JSONSchema

        init(_ function: ChatWire.FunctionSpec) {
            name = function.name
            description = function.description
            parameters = function.parameters
        }
    }

    /// `input_audio_buffer.append`: base64 audio in the session's input format (no server answer).
    struct AudioAppend: Encodable, Sendable {
        var type = "input_audio_buffer.append"
        var audio: String
    }

    /// `conversation.item.create`.
    struct ItemCreate: Encodable, Sendable {
        var type = "conversation.item.create"
        var item: Item
    }

    /// A conversation item the client adds: a user text message or a function result.
    struct Item: Encodable, Sendable {
        var type: String
        var role: String?
        var content: [Content]?
        var callID: String?
        var output: String?

        enum CodingKeys: String, CodingKey {
            case type, role, content, output
            case callID = "call_id"
        }

        static func userText(_ text: String) -> Item {
            Item(type: "message", role: "user", content: [Content(type: "input_text", text: text)])
        }

        /// What the agent said earlier in the call (a call resumed after a restart).
        static func assistantText(_ text: String) -> Item {
            Item(type: "message", role: "assistant", content: [Content(type: "output_text", text: text)])
        }

        static func functionOutput(callID: String, output: String) -> Item {
            Item(type: "function_call_output", callID: callID, output: output)
        }
    }

    struct Content: Encodable, Sendable {
        var type: String
        var text: String
    }

    /// `response.create`; `response.instructions` overrides the session's instructions for this answer only.
    struct ResponseCreate: Encodable, Sendable {
        var type = "response.create"
        var response: Options?

        struct Options: Encodable, Sendable {
            var instructions: String
        }
    }

    /// `response.cancel`. The `event_id` comes back in the `error` the server answers when nothing was in
    /// progress, so that error is known to be harmless.
    struct ResponseCancel: Encodable, Sendable {
        var type = "response.cancel"
        var eventID: String

        enum CodingKeys: String, CodingKey {
            case type
            case eventID = "event_id"
        }
    }

    /// `conversation.item.truncate`: the server forgets the assistant audio (and its transcript) after
    /// `audio_end_ms`, which must not exceed the audio the item has.
    struct ItemTruncate: Encodable, Sendable {
        var type = "conversation.item.truncate"
        var eventID: String
        var itemID: String
        var contentIndex = 0
        var audioEndMs: Int

        enum CodingKeys: String, CodingKey {
            case type
            case eventID = "event_id"
            case itemID = "item_id"
            case contentIndex = "content_index"
            case audioEndMs = "audio_end_ms"
        }
    }

    // MARK: Server events

    /// Any server event: the fields of the events the agent reads, all optional (each event has a few).
    struct ServerEvent: Decodable, Sendable {
        var type: String
        var itemID: String?
        var responseID: String?
        /// `response.output_audio.delta`: base64 audio in the session's output format.
        var delta: String?
        var transcript: String?
        var callID: String?
        var name: String?
        var arguments: String?
        var error: ErrorBody?
        var response: Response?

        enum CodingKeys: String, CodingKey {
            case type, delta, transcript, name, arguments, error, response
            case itemID = "item_id"
            case responseID = "response_id"
            case callID = "call_id"
        }

        struct Response: Decodable, Sendable {
            var id: String?
            var status: String?
        }
    }

    /// The `error` of an `error` event; `eventID` names the client event that caused it.
    struct ErrorBody: Decodable, Sendable {
        var type: String?
        var code: String?
        var message: String?
        var param: String?
        var eventID: String?

        enum CodingKeys: String, CodingKey {
            case type, code, message, param
            case eventID = "event_id"
        }
    }

    /// One client event as JSON text.
    static func text(_ event: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return (try? encoder.encode(event)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
