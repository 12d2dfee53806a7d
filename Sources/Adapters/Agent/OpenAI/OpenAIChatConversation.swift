import AdapterSupport
import AsyncHTTPClient
import Domain
import Foundation
import Logging
import NIOCore
import Synchronization

/// One call's chat: the history (bounded, redacted transcripts only) and the streaming of each answer.
///
/// The history keeps what the caller actually heard: the conversation hands each sentence on as it is
/// complete, the daemon reports back what was played (`heard(_:)`), and only that becomes the assistant's
/// message; sentences cut off by a barge-in are kept up to the words that were played.
final class OpenAIChatConversation: AgentConversation {
    private let configuration: OpenAIChatAgent.Configuration
    private let http: VendorHTTP
    private let webhooks: WebhookCaller
    private let context: AgentContext
    private let state = Mutex(History())

    struct History: Sendable {
        var messages: [ChatWire.Message] = []
        /// What was heard of the answer being spoken (becomes its assistant message).
        var heard: [String] = []
        /// Tool calls of the answer being spoken, with their results.
        var toolCalls: [(call: ChatWire.ToolCall, result: String)] = []
        /// The messages before the last caller turn, to go back to if that turn is withdrawn.
        var beforeLastTurn: [ChatWire.Message]?
    }

    /// Model rounds of one answer at most (each after webhook results).
    static let maxRounds = 3
    /// The functions offered: the daemon's, then the tenant's webhook tools.
    private let tools: [ChatWire.Tool]

    init(configuration: OpenAIChatAgent.Configuration, http: VendorHTTP, webhooks: WebhookCaller, context: AgentContext) {
        self.configuration = configuration
        self.http = http
        self.webhooks = webhooks
        self.tools = TelephonyTools.definitions + configuration.tools.map { ChatWire.Tool(function: $0.spec) }
        self.context = context
        // A call resumed after a restart carries on from what was said (the daemon's own lines are left out).
        let restored: [ChatWire.Message] = context.history.compactMap { line in
            switch line.speaker {
            case .caller: .user(line.text)
            case .agent: .assistant(line.text)
            case .system: nil
            }
        }
        state.withLock { $0.messages = restored }
    }

    var expectedPhrases: [String] { [] }

    func opening() async throws(ProviderError) -> [AgentAction] {
        configuration.greeting.isEmpty ? [] : [.say(configuration.greeting)]
    }

    func heard(_ text: String) {
        state.withLock { $0.heard.append(text) }
    }

    /// Only a chat without webhook tools: a webhook is an effect outside the daemon.
    var answersProvisionally: Bool { configuration.tools.isEmpty }

    func withdrawLastTurn() {
        state.withLock { history in
            guard let before = history.beforeLastTurn else { return }
            history.messages = before
            history.beforeLastTurn = nil
            history.heard = []
            history.toolCalls = []
        }
    }

    func respond(to input: AgentInput) -> AsyncThrowingStream<AgentAction, any Error> {
        let messages = state.withLock { history in
            Self.closeAnswer(&history)
            history.beforeLastTurn = history.messages
            history.messages.append(.user(Self.text(of: input)))
            Self.bound(&history.messages, turns: configuration.historyTurns)
            return history.messages
        }
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    try await self.answer(from: messages) { continuation.yield($0) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// One answer: up to `maxRounds` model requests, each after the results of the webhook tools the one
    /// before called. A failed webhook is spoken as its fallback line and ends the answer.
    private func answer(from history: [ChatWire.Message], yield: (AgentAction) -> Void) async throws(ProviderError) {
        var messages = history
        for round in 1...Self.maxRounds {
            let calls = try await stream(request(messages), say: yield)
            var hooked: [(call: ChatWire.ToolCall, tool: WebhookTool)] = []
            for call in calls {
                if let tool = configuration.tools.first(where: { $0.name == call.function.name }) {
                    hooked.append((call, tool))
                } else {
                    for action in telephonyActions(for: call) { yield(action) }
                }
            }
            guard !hooked.isEmpty else { return }
            let (results, failed) = await callWebhooks(hooked)
            messages = state.withLock { history in
                history.messages.append(.assistant(nil, toolCalls: hooked.map(\.call)))
                for (call, result) in results { history.messages.append(.tool(call.id, result)) }
                return history.messages
            }
            if let failed { return yield(.say(failed.fallback.isEmpty ? configuration.toolFallback : failed.fallback)) }
            if round == Self.maxRounds { yield(.say(configuration.toolFallback)) }
        }
    }

    /// What a call of one of the daemon's functions asks for; the call and its result join the answer's
    /// history (an invalid call does nothing, the model sees why on its next turn).
    private func telephonyActions(for call: ChatWire.ToolCall) -> [AgentAction] {
        let (actions, result) = TelephonyTools.actions(for: call)
        if actions.isEmpty { http.logger.warning("agent function call refused", metadata: ["function": "\(call.function.name)", "result": "\(result)"]) }
        state.withLock { $0.toolCalls.append((call, result)) }
        return actions
    }

    /// The webhooks' results, in order (`error: <kind>` for a failed one), and the first tool that failed.
    private func callWebhooks(_ hooked: [(call: ChatWire.ToolCall, tool: WebhookTool)]) async -> ([(ChatWire.ToolCall, String)], WebhookTool?) {
        var results: [(ChatWire.ToolCall, String)] = []
        var failed: WebhookTool?
        for (call, tool) in hooked {
            switch await webhooks.call(tool, arguments: call.function.arguments, context: context) {
            case .success(let result): results.append((call, result))
            case .failure(let error):
                results.append((call, "error: \(error.kind)"))
                failed = failed ?? tool
            }
        }
        return (results, failed)
    }

    /// The chat request for `messages` (the history so far).
    private func request(_ messages: [ChatWire.Message]) -> ChatWire.Request {
        ChatWire.Request(
            model: configuration.model, messages: (configuration.systemPrompt.isEmpty ? [] : [.system(configuration.systemPrompt)]) + messages,
            temperature: configuration.temperature, maxTokens: configuration.maxTokens, tools: tools)
    }

    func end() async {}

    /// Sends `request` and yields each complete sentence of the reply; returns the tool calls.
    private func stream(_ request: ChatWire.Request, say: (AgentAction) -> Void) async throws(ProviderError) -> [ChatWire.ToolCall] {
        let body: [UInt8]
        do { body = Array(try JSONEncoder().encode(request)) } catch {
            throw ProviderError(.badRequest, provider: http.provider, "cannot encode the request: \(error)")
        }
        var headers = [("Content-Type", "application/json"), ("Accept", "text/event-stream")]
        if !configuration.http.apiKey.isEmpty { headers.append(("Authorization", "Bearer \(configuration.http.apiKey)")) }
        let response = try await http.send(.make(configuration.http.baseURL + "/v1/chat/completions", method: .POST, headers: headers, body: body))
        try http.expectContentType(response, ["text/event-stream", "application/json"])
        var parser = ServerSentEventParser()
        var sentences = SentenceSplitter()
        var tools = ToolCallAssembler()
        do {
            var done = false
            reading: for try await piece in response.body {
                for event in try parser.feed(piece.readableBytesView) where try handle(event, sentences: &sentences, tools: &tools, say: say) {
                    done = true
                    break reading
                }
            }
            // A server that ends without `[DONE]` (some do) may also leave the last event without its blank line.
            if !done, let event = parser.finish() { _ = try handle(event, sentences: &sentences, tools: &tools, say: say) }
        } catch let error as ProviderError {
            throw http.fail(error, request: nil)
        } catch {
            throw http.fail(HTTPFailure.classify(transport: error, provider: http.provider), request: nil)
        }
        if let rest = sentences.finish() { say(.say(rest)) }
        return tools.completed
    }

    /// One event of the stream; true at `[DONE]`.
    private func handle(
        _ event: ServerSentEvent, sentences: inout SentenceSplitter, tools: inout ToolCallAssembler, say: (AgentAction) -> Void
    ) throws(ProviderError) -> Bool {
        let data = event.data.trimmingCharacters(in: .whitespaces)
        if data == "[DONE]" { return true }
        let chunk: ChatWire.Chunk
        do { chunk = try JSONDecoder().decode(ChatWire.Chunk.self, from: Data(data.utf8)) } catch {
            throw ProviderError(.badResponse, provider: http.provider, "invalid stream chunk: \(data.prefix(120))")
        }
        if let error = chunk.error {
            throw ProviderError(.server, provider: http.provider, "error in the stream: \(error.message ?? error.type ?? "unknown")")
        }
        for choice in chunk.choices ?? [] {
            if let content = choice.delta?.content {
                for sentence in sentences.add(content) { say(.say(sentence)) }
            }
            if let calls = choice.delta?.toolCalls { tools.add(calls) }
        }
        return false
    }

    /// Ends the previous answer in the history: what was heard of it, and its tool calls with results.
    private static func closeAnswer(_ history: inout History) {
        let text = history.heard.joined(separator: " ")
        let calls = history.toolCalls
        if !text.isEmpty || !calls.isEmpty {
            history.messages.append(.assistant(text.isEmpty ? nil : text, toolCalls: calls.isEmpty ? nil : calls.map(\.call)))
            for (call, result) in calls { history.messages.append(.tool(call.id, result)) }
        }
        history.heard = []
        history.toolCalls = []
    }

    /// Drops the oldest turns beyond `turns` user messages, never splitting a tool call from its result.
    static func bound(_ messages: inout [ChatWire.Message], turns: Int) {
        let users = messages.indices.filter { messages[$0].role == "user" }
        guard users.count > turns, turns > 0 else { return }
        messages.removeFirst(users[users.count - turns])
    }

    static func text(of input: AgentInput) -> String {
        switch input {
        case .utterance(let text, _): text
        case .digits(let digits): "(the caller keyed: \(digits))"
        case .noInput: "(the caller said nothing)"
        }
    }
}
