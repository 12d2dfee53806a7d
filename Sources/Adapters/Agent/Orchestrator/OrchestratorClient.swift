import AdapterSupport
import AsyncHTTPClient
import Domain
import Foundation
import NIOCore
import NIOHTTP1

/// The agent orchestrator's REST API: bearer token, a deadline per request, one immediate retry of the
/// calls that are safe to repeat (GETs, and POSTs carrying an `Idempotency-Key`: the conversation id, the
/// turn id) when the first attempt failed with a timeout, a 5xx, a 429 or a network error before any
/// answer arrived. A turn whose reply had started streaming is never repeated.
struct OrchestratorClient: Sendable {
    let settings: HTTPProviderSettings
    let http: VendorHTTP

    func createConversation(_ request: OrchestratorWire.CreateConversation) async throws(ProviderError) -> OrchestratorWire.Conversation {
        let response = try await send(.POST, "/api/v1/conversations", body: request, idempotencyKey: request.conversationID)
        try http.expectContentType(response, ["application/json"])
        return try http.decode(OrchestratorWire.Conversation.self, from: try await http.body(of: response))
    }

    /// `GET /api/v1/conversations/{id}/agent`.
    func agent(of conversation: String) async throws(ProviderError) -> OrchestratorWire.AgentInfo {
        let response = try await send(.GET, "/api/v1/conversations/\(Self.escaped(conversation))/agent", body: nil as String?, idempotencyKey: nil)
        return try http.decode(OrchestratorWire.AgentInfo.self, from: try await http.body(of: response))
    }

    /// `POST /api/v1/conversations/{id}/transfer`: the orchestrator records the transfer and may choose the
    /// target; returns the target to transfer to.
    func requestTransfer(conversation: String, target: String, reason: String) async throws(ProviderError) -> String {
        let response = try await send(
            .POST, "/api/v1/conversations/\(Self.escaped(conversation))/transfer", body: OrchestratorWire.TransferRequest(target: target, reason: reason),
            idempotencyKey: nil)
        return try http.decode(OrchestratorWire.TransferDecision.self, from: try await http.body(of: response)).target
    }

    /// Sends a turn and hands on the reply's actions as they come: sentences of streamed text as soon as
    /// each is complete, then the actions.
    func sendTurn(_ turn: OrchestratorWire.Turn, conversation: String, yield: (AgentAction) -> Void) async throws(ProviderError) {
        let response = try await send(
            .POST, "/api/v1/conversations/\(Self.escaped(conversation))/turns", body: turn, idempotencyKey: turn.turnID,
            accept: "text/event-stream, application/json")
        let type = response.headers.first(name: "content-type")?.lowercased() ?? ""
        if type.hasPrefix("application/json") {
            let reply = try http.decode(OrchestratorWire.Reply.self, from: try await http.body(of: response))
            for action in reply.actions { for each in actions(for: action) { yield(each) } }
            return
        }
        try http.expectContentType(response, ["text/event-stream"])
        var parser = ServerSentEventParser()
        var sentences = SentenceSplitter()
        do {
            reading: for try await piece in response.body {
                for event in try parser.feed(piece.readableBytesView) where try handle(event, sentences: &sentences, yield: yield) {
                    break reading
                }
            }
            if let event = parser.finish() { _ = try handle(event, sentences: &sentences, yield: yield) }
        } catch let error as ProviderError {
            throw http.fail(error, request: nil)
        } catch {
            throw http.fail(HTTPFailure.classify(transport: error, provider: http.provider), request: nil)
        }
        if let rest = sentences.finish() { yield(.say(rest)) }
    }

    /// One event of a streamed reply (`text`, `action`, `error`, `done`); true at `done`.
    private func handle(_ event: ServerSentEvent, sentences: inout SentenceSplitter, yield: (AgentAction) -> Void) throws(ProviderError) -> Bool {
        let data = Data(event.data.utf8)
        switch event.event ?? "message" {
        case "text":
            guard let delta = try? JSONDecoder().decode(TextDelta.self, from: data) else {
                throw ProviderError(.badResponse, provider: http.provider, "invalid text event: \(event.data.prefix(120))")
            }
            for sentence in sentences.add(delta.text) { yield(.say(sentence)) }
        case "action":
            guard let action = try? JSONDecoder().decode(OrchestratorWire.Action.self, from: data) else {
                throw ProviderError(.badResponse, provider: http.provider, "invalid action event: \(event.data.prefix(120))")
            }
            if let rest = sentences.finish() { yield(.say(rest)) }  // text before an action is said before it
            for each in actions(for: action) { yield(each) }
        case "error":
            let body = try? JSONDecoder().decode(VendorErrorBody.self, from: data)
            throw ProviderError(.server, provider: http.provider, "error in the stream: \(body?.message ?? event.data.prefix(120).description)")
        case "done":
            return true
        default:
            break  // unknown events are for newer clients
        }
        return false
    }

    /// The agent actions of an orchestrator action; an invalid one is logged and skipped.
    func actions(for action: OrchestratorWire.Action) -> [AgentAction] {
        switch action.type {
        case "say":
            if let text = action.text, !text.isEmpty { return [.say(text)] }
        case "hangup":
            return [.hangup]
        case "transfer":
            let raw = action.target ?? ""
            if let target = try? AgentScript.parseTarget(raw.hasPrefix("+") ? "external:" + raw : raw, key: "target") { return [.transfer(target)] }
        case "collect_digits":
            if let max = action.max, (1...32).contains(max) {
                let prompt: [AgentAction] = action.prompt.map { $0.isEmpty ? [] : [.say($0)] } ?? []
                return prompt + [.collectDigits(maxDigits: max, terminator: action.terminator.flatMap { $0.isEmpty ? nil : String($0.prefix(1)) })]
            }
        default:
            break
        }
        http.logger.warning("orchestrator action skipped", metadata: ["action.type": "\(action.type)"])
        return []
    }

    private struct TextDelta: Decodable { var text: String }

    /// Sends a request; a retryable failure of a request that is safe to repeat is tried once more.
    private func send<Body: Encodable>(
        _ method: HTTPMethod, _ path: String, body: Body?, idempotencyKey: String?, accept: String = "application/json"
    ) async throws(ProviderError) -> HTTPClientResponse {
        var headers = [("Accept", accept)]
        if !settings.apiKey.isEmpty { headers.append(("Authorization", "Bearer \(settings.apiKey)")) }
        if let idempotencyKey { headers.append(("Idempotency-Key", idempotencyKey)) }
        var bytes: [UInt8]?
        if let body {
            do { bytes = Array(try JSONEncoder().encode(body)) } catch {
                throw ProviderError(.badRequest, provider: http.provider, "cannot encode the request: \(error)")
            }
            headers.append(("Content-Type", "application/json"))
        }
        let request = HTTPClientRequest.make(settings.baseURL + path, method: method, headers: headers, body: bytes)
        let repeatable = method == .GET || idempotencyKey != nil
        do throws(ProviderError) {
            return try await http.send(request)
        } catch {
            guard repeatable, Self.retryable.contains(error.kind) else { throw error }
            return try await http.send(request)
        }
    }

    static let retryable: Set<ProviderError.Kind> = [.timeout, .server, .rateLimited, .network]

    static func escaped(_ id: String) -> String {
        id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? id
    }
}
