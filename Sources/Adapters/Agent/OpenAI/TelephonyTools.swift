import Domain
import Foundation

/// The functions the model may call to act on the line, and what each becomes.
///
/// - `transfer_call(target, reason)`: `.transfer`; `target` is `queue:NAME`, `extension:NUMBER` or an
///   E.164 number (`+15551234567`).
/// - `end_call(reason)`: `.hangup` (after what was said before it has been played).
/// - `collect_digits(max, terminator, prompt)`: says `prompt`, then `.collectDigits`; the digits come
///   back as the caller's next turn.
///
/// Shared by the chat agent (tools nested under `function`) and the Realtime agent (flat function tools):
/// both describe the same `functions` and map a call through `actions(name:arguments:)`.
enum TelephonyTools {
    /// What a call of one of the functions comes to.
    struct Outcome: Sendable, Hashable {
        /// What the call asks the gateway to do (empty when the call was refused).
        var actions: [AgentAction]
        /// The function result the model gets (`error: ...` when the call was refused).
        var result: String
        /// Whether the call was refused (an unknown function or invalid arguments): nothing is done, the
        /// model only learns why from `result`.
        var isRefused: Bool { actions.isEmpty }
    }

    /// The functions, vendor-neutral (name, description, JSON Schema of the arguments).
    static let functions: [ChatWire.FunctionSpec] = [
        tool("transfer_call", "Transfer the caller to a human or another destination.", [
            "target": ("string", "queue:NAME, extension:NUMBER or an E.164 number such as +15551234567"),
            "reason": ("string", "Why the caller is transferred, one short sentence for the person who answers"),
        ], required: ["target"]),
        tool("end_call", "End the call, after saying goodbye.", [
            "reason": ("string", "Why the call ends"),
        ], required: []),
        tool("collect_digits", "Ask the caller to key digits on the phone keypad (an account number, a PIN).", [
            "max": ("integer", "The most digits to collect (1-32)"),
            "terminator": ("string", "The key that ends the input early, usually #"),
            "prompt": ("string", "What to say to ask for the digits"),
        ], required: ["max"]),
    ]

    /// The functions as chat completions tools.
    static let definitions: [ChatWire.Tool] = functions.map { ChatWire.Tool(function: $0) }

    /// What `call` asks for, and the tool result to keep in the history. An invalid call does nothing
    /// but returns an error the model sees on its next turn.
    static func actions(for call: ChatWire.ToolCall) -> (actions: [AgentAction], result: String) {
        let outcome = actions(name: call.function.name, arguments: call.function.arguments)
        return (outcome.actions, outcome.result)
    }

    /// What a call of the function `name` with `arguments` (the JSON object text the model wrote) asks for.
    static func actions(name: String, arguments json: String) -> Outcome {
        let arguments = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] ?? [:]
        switch name {
        case "transfer_call":
            let raw = (arguments["target"] as? String ?? "").trimmingCharacters(in: .whitespaces)
            guard let target = try? AgentScript.parseTarget(raw.hasPrefix("+") ? "external:" + raw : raw, key: "target") else {
                return Outcome(actions: [], result: "error: target must be queue:NAME, extension:NUMBER or an E.164 number")
            }
            return Outcome(actions: [.transfer(target)], result: "transferring")
        case "end_call":
            return Outcome(actions: [.hangup], result: "ending the call")
        case "collect_digits":
            let max = (arguments["max"] as? Int) ?? Int(arguments["max"] as? String ?? "") ?? 0
            guard (1...32).contains(max) else { return Outcome(actions: [], result: "error: max must be between 1 and 32") }
            let terminator = (arguments["terminator"] as? String).flatMap { $0.isEmpty ? nil : String($0.prefix(1)) }
            var actions: [AgentAction] = []
            if let prompt = arguments["prompt"] as? String, !prompt.isEmpty { actions.append(.say(prompt)) }
            actions.append(.collectDigits(maxDigits: max, terminator: terminator))
            return Outcome(actions: actions, result: "collecting digits; they follow as the caller's next message")
        default:
            return Outcome(actions: [], result: "error: unknown function \(name)")
        }
    }

    private static func tool(
        _ name: String, _ description: String, _ properties: [String: (String, String)], required: [String]
    ) -> ChatWire.FunctionSpec {
        ChatWire.FunctionSpec(
            name: name, description: description,
            parameters: .init(properties: properties.mapValues { .init(type: $0.0, description: $0.1) }, required: required))
    }
}
