import Foundation
import Domain

/// The OpenAI chat completions wire format, as far as the agent uses it (also spoken by vLLM,
/// llama.cpp server, Ollama, Groq and others).
enum ChatWire {
    /// A message of the conversation sent with each request.
    struct Message: Codable, Sendable, Hashable {
        var role: String
        var content: String?
        var toolCalls: [ToolCall]?
        var toolCallID: String?

        enum CodingKeys: String, CodingKey {
            case role, content
            case toolCalls = "tool_calls"
            case toolCallID = "tool_call_id"
        }

        static func system(_ text: String) -> Message { Message(role: "system", content: text) }
        static func user(_ text: String) -> Message { Message(role: "user", content: text) }
        static func assistant(_ text: String?, toolCalls: [ToolCall]? = nil) -> Message {
            Message(role: "assistant", content: text, toolCalls: toolCalls)
        }
        static func tool(_ id: String, _ text: String) -> Message { Message(role: "tool", content: text, toolCallID: id) }
    }

    struct ToolCall: Codable, Sendable, Hashable {
        var id: String
        var type = "function"
        var function: FunctionCall
    }

    struct FunctionCall: Codable, Sendable, Hashable {
        var name: String
        var arguments: String
    }

    /// `POST /v1/chat/completions` with `stream: true`.
    struct Request: Encodable, Sendable {
        var model: String
        var messages: [Message]
        var stream = true
        var temperature: Double?
        var maxTokens: Int?
        var tools: [Tool]?

        enum CodingKeys: String, CodingKey {
            case model, messages, stream, temperature, tools
            case maxTokens = "max_tokens"
        }
    }

    struct Tool: Encodable, Sendable {
        var type = "function"
        var function: FunctionSpec
    }

    struct FunctionSpec: Encodable, Sendable {
        var name: String
        var description: String
        var parameters: JSONSchema
    }

    /// A JSON Schema object of string and integer properties (all a telephony tool needs), or the schema
    /// a tenant wrote for a webhook tool (`raw`), sent as written.
    struct JSONSchema: Encodable, Sendable {
        var properties: [String: Property] = [:]
        var required: [String] = []
        var raw: JSONValue?

        struct Property: Encodable, Sendable {
            var type: String
            var description: String
        }

        func encode(to encoder: any Encoder) throws {
            if let raw {
                try raw.encode(to: encoder)
                return
            }
            var container = encoder.container(keyedBy: Key.self)
            try container.encode("object", forKey: .type)
            try container.encode(properties, forKey: .properties)
            try container.encode(required, forKey: .required)
        }

        enum Key: String, CodingKey { case type, properties, required }
    }

    /// One `data:` chunk of the stream. Servers differ: the first delta may carry `content: null`, a last
    /// chunk may carry only `usage` and no choices, tool-call arguments arrive split across chunks.
    struct Chunk: Decodable, Sendable {
        var choices: [Choice]?
        var error: ErrorBody?

        struct Choice: Decodable, Sendable {
            var delta: Delta?
            var finishReason: String?
            enum CodingKeys: String, CodingKey {
                case delta
                case finishReason = "finish_reason"
            }
        }

        struct Delta: Decodable, Sendable {
            var content: String?
            var toolCalls: [ToolCallDelta]?
            enum CodingKeys: String, CodingKey {
                case content
                case toolCalls = "tool_calls"
            }
        }

        struct ToolCallDelta: Decodable, Sendable {
            var index: Int?
            var id: String?
            var function: FunctionDelta?
        }

        struct FunctionDelta: Decodable, Sendable {
            var name: String?
            var arguments: String?
        }

        struct ErrorBody: Decodable, Sendable {
            var message: String?
            var type: String?
        }
    }
}

/// Tool calls put together from their pieces, in the order of their `index`.
struct ToolCallAssembler: Sendable {
    private var calls: [Int: ChatWire.ToolCall] = [:]

    mutating func add(_ deltas: [ChatWire.Chunk.ToolCallDelta]) {
        for (position, delta) in deltas.enumerated() {
            let index = delta.index ?? position
            var call = calls[index] ?? ChatWire.ToolCall(id: "", function: .init(name: "", arguments: ""))
            if let id = delta.id, !id.isEmpty { call.id = id }
            if let name = delta.function?.name { call.function.name += name }
            if let arguments = delta.function?.arguments { call.function.arguments += arguments }
            calls[index] = call
        }
    }

    /// The complete calls (a call without a name is dropped); a call without an id gets one.
    var completed: [ChatWire.ToolCall] {
        calls.sorted { $0.key < $1.key }.compactMap { index, call in
            guard !call.function.name.isEmpty else { return nil }
            var call = call
            if call.id.isEmpty { call.id = "call_\(index)" }
            return call
        }
    }
}
