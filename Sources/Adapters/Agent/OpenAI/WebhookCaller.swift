import AdapterSupport
import AsyncHTTPClient
import Domain
import Foundation
import Logging

/// Calls a `WebhookTool`: one POST with the tool's own deadline, the answer as the text the model gets.
struct WebhookCaller: Sendable {
    let client: HTTPClient
    let logger: Logger

    /// The result for the model, or the classified failure.
    func call(_ tool: WebhookTool, arguments: String, context: AgentContext) async -> Result<String, ProviderError> {
        let parsed = (try? JSONDecoder().decode(JSONValue.self, from: Data(arguments.utf8))) ?? .string(arguments)
        let payload: JSONValue = .object([
            "name": .string(tool.name), "arguments": parsed, "call_id": .string(context.callID.rawValue),
            "conversation_id": .string(context.conversationID.rawValue), "tenant_id": .string(context.tenantID.rawValue),
        ])
        let http = VendorHTTP(client: client, provider: "webhook", timeout: tool.timeout, logger: logger)
        var headers = [("Content-Type", "application/json"), ("Accept", "application/json")]
        if !tool.bearerToken.isEmpty { headers.append(("Authorization", "Bearer \(tool.bearerToken)")) }
        do {
            let body = Array(try JSONEncoder().encode(payload))
            let response = try await http.send(.make(tool.url, method: .POST, headers: headers, body: body))
            let answer = try await http.body(of: response)
            let text = String(buffer: answer)
            if case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)), let result = object["result"] {
                if case .string(let plain) = result { return .success(plain) }
                return .success(String(decoding: try JSONEncoder().encode(result), as: UTF8.self))
            }
            return .success(text)
        } catch let error as ProviderError {
            logger.warning("webhook tool failed", metadata: ["tool": "\(tool.name)", "error.kind": "\(error.kind)", "error": "\(error.message)"])
            return .failure(error)
        } catch {
            return .failure(ProviderError(.badRequest, provider: "webhook", "\(error)"))
        }
    }
}
