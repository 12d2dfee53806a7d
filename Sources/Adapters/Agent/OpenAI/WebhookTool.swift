import Domain
import Foundation
import Yams

/// A function the model may call that a tenant answers over HTTP (a CRM lookup, an order status): the
/// daemon POSTs the call to `url` and hands the model the answer, then lets it go on speaking.
///
/// The tools file (`agent.openai.tools_file`, a tenant's `agent.tools_file`):
///
/// ```yaml
/// tools:
///   - name: get_balance
///     description: Look up the caller's account balance.
///     parameters: {type: object, properties: {account: {type: string}}, required: [account]}
///     url: https://crm.example.com/hooks/balance
///     bearer_token: ""          # or bearer_token_file; sent as Authorization: Bearer
///     timeout_ms: 3000
///     fallback: "Sorry, I can't look up your balance right now."
/// ```
///
/// The webhook gets `{"name", "arguments", "call_id", "conversation_id", "tenant_id"}` (`arguments` as
/// the model wrote them, parsed when they are JSON) and answers 2xx with `{"result": ...}` (any JSON; a
/// body without `result` is passed on whole). A failure or a late answer (`timeout_ms`) is spoken as
/// `fallback` (or the daemon's line) and ends the turn; the model sees `error: <kind>` as the result.
public struct WebhookTool: Sendable, Hashable {
    public var name: String
    public var description: String
    /// The JSON Schema of the arguments.
    public var parameters: JSONValue
    public var url: String
    public var bearerToken: String
    public var timeout: Duration
    public var fallback: String

    public init(
        name: String, description: String, parameters: JSONValue, url: String, bearerToken: String = "", timeout: Duration = .seconds(3),
        fallback: String = ""
    ) {
        self.name = name
        self.description = description
        self.parameters = parameters
        self.url = url
        self.bearerToken = bearerToken
        self.timeout = timeout
        self.fallback = fallback
    }

    /// A tools file error naming the key.
    public struct Invalid: Error, Hashable, Sendable, CustomStringConvertible {
        public let key: String
        public let message: String
        public var description: String { "\(key): \(message)" }
    }

    /// The names a webhook tool may not take (the daemon's own functions).
    static let reserved: Set<String> = ["transfer_call", "end_call", "collect_digits"]

    /// The tools of a tools file's YAML text.
    public static func parse(yaml text: String) throws(Invalid) -> [WebhookTool] {
        let root: Any?
        do { root = try Yams.load(yaml: text) } catch { throw Invalid(key: "(yaml)", message: "not valid YAML: \(error)") }
        guard let map = root as? [String: Any], let list = map["tools"] as? [Any] else { throw Invalid(key: "tools", message: "a list is required") }
        var tools: [WebhookTool] = []
        for (index, raw) in list.enumerated() {
            let key = "tools[\(index)]"
            guard let entry = raw as? [String: Any] else { throw Invalid(key: key, message: "must be a mapping") }
            guard let name = entry["name"] as? String, name.range(of: "^[a-zA-Z0-9_-]{1,64}$", options: .regularExpression) != nil else {
                throw Invalid(key: "\(key).name", message: "1-64 letters, digits, _ or -")
            }
            guard !reserved.contains(name), !tools.contains(where: { $0.name == name }) else {
                throw Invalid(key: "\(key).name", message: "\(name) is taken")
            }
            guard let url = entry["url"] as? String, url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw Invalid(key: "\(key).url", message: "an http(s) URL is required")
            }
            let schema = entry["parameters"] ?? ["type": "object", "properties": [String: Any]()]
            guard let parameters = JSONValue(yaml: schema), case .object = parameters else {
                throw Invalid(key: "\(key).parameters", message: "must be a JSON Schema object")
            }
            var token = entry["bearer_token"] as? String ?? ""
            if let path = entry["bearer_token_file"] as? String, !path.isEmpty {
                guard let secret = try? String(contentsOfFile: path, encoding: .utf8) else {
                    throw Invalid(key: "\(key).bearer_token_file", message: "cannot read \(path)")
                }
                token = secret.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            let milliseconds = entry["timeout_ms"].map { $0 as? Int ?? -1 } ?? 3000
            guard (100...60_000).contains(milliseconds) else { throw Invalid(key: "\(key).timeout_ms", message: "100-60000") }
            tools.append(WebhookTool(
                name: name, description: entry["description"] as? String ?? "", parameters: parameters, url: url, bearerToken: token,
                timeout: .milliseconds(milliseconds), fallback: entry["fallback"] as? String ?? ""))
        }
        return tools
    }

    /// The tool as the chat API describes it.
    var spec: ChatWire.FunctionSpec {
        ChatWire.FunctionSpec(name: name, description: description, parameters: ChatWire.JSONSchema(raw: parameters))
    }
}

extension JSONValue {
    /// A value Yams loaded, as JSON (nil for what JSON cannot hold).
    init?(yaml value: Any) {
        switch value {
        case let v as Bool: self = .bool(v)
        case let v as Int: self = .int(Int64(v))
        case let v as Double: self = .double(v)
        case let v as String: self = .string(v)
        case let v as [Any]:
            var items: [JSONValue] = []
            for item in v {
                guard let converted = JSONValue(yaml: item) else { return nil }
                items.append(converted)
            }
            self = .array(items)
        case let v as [String: Any]:
            var object: [String: JSONValue] = [:]
            for (key, item) in v {
                guard let converted = JSONValue(yaml: item) else { return nil }
                object[key] = converted
            }
            self = .object(object)
        case is NSNull: self = .null
        default: return nil
        }
    }
}
