import AdapterSupport
import AsyncHTTPClient
import Domain
import Logging

/// An agent backed by any OpenAI-compatible chat completions API (OpenAI, vLLM, llama.cpp server,
/// Ollama, Groq, ...): the reply streams (`stream: true`, server-sent events) and is handed on sentence by
/// sentence as tokens arrive; the model acts on the line through the functions of `TelephonyTools`.
public struct OpenAIChatAgent: Agent {
    /// Per agent (and tenant) settings.
    public struct Configuration: Sendable, Hashable {
        /// `base_url` (the API is at `base_url/v1/chat/completions`), bearer key, request deadline.
        public var http: HTTPProviderSettings
        public var model: String
        public var systemPrompt: String
        /// Said first, before the caller speaks (not generated: no model round trip before "hello").
        public var greeting: String
        public var temperature: Double?
        public var maxTokens: Int?
        /// Caller and agent turns kept in the history sent with each request (the system prompt always is).
        public var historyTurns: Int
        /// Functions answered by the tenant's webhooks, offered beside the telephony functions.
        public var tools: [WebhookTool]
        /// Said when a webhook tool fails and has no `fallback` of its own.
        public var toolFallback: String

        public init(
            http: HTTPProviderSettings, model: String, systemPrompt: String = "", greeting: String = "Hello, how can I help you?",
            temperature: Double? = nil, maxTokens: Int? = nil, historyTurns: Int = 20, tools: [WebhookTool] = [],
            toolFallback: String = "Sorry, I can't look that up right now."
        ) {
            self.tools = tools
            self.toolFallback = toolFallback
            self.http = http
            self.model = model
            self.systemPrompt = systemPrompt
            self.greeting = greeting
            self.temperature = temperature
            self.maxTokens = maxTokens
            self.historyTurns = historyTurns
        }
    }

    public let name: String
    /// What the agent was built with.
    public let configuration: Configuration
    private let http: VendorHTTP
    private let webhooks: WebhookCaller

    public init(name: String = "openai", configuration: Configuration, client: HTTPClient = .vendors, logger: Logger) {
        self.name = name
        self.configuration = configuration
        self.http = VendorHTTP(client: client, provider: name, timeout: configuration.http.timeout, logger: logger)
        self.webhooks = WebhookCaller(client: client, logger: logger)
    }

    public func startConversation(_ context: AgentContext) async throws(ProviderError) -> any AgentConversation {
        var settings = configuration
        if !context.variables.isEmpty {
            // The operator's values for an outbound call reach the model with the instructions.
            let lines = context.variables.sorted { $0.key < $1.key }.map { "- \($0.key): \($0.value)" }
            settings.systemPrompt += (settings.systemPrompt.isEmpty ? "" : "\n\n") + "Values for this call:\n" + lines.joined(separator: "\n")
        }
        return OpenAIChatConversation(configuration: settings, http: http, webhooks: webhooks, context: context)
    }
}
