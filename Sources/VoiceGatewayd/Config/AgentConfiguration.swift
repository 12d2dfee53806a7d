import AdapterSupport
import Agent

/// Which agent answers the calls (`agent.*`).
struct AgentConfiguration {
    enum Kind: String, CaseIterable {
        /// The keyword script of `agent.script`.
        case scripted
        /// An OpenAI-compatible chat completions API (`agent.openai.*`).
        case openai
        /// The platform's agent orchestrator (`agent.orchestrator.*`, docs/agent-orchestrator.md).
        case orchestrator
        /// A speech-to-speech model over the OpenAI Realtime API (`agent.realtime.*`).
        case realtime
    }

    var kind: Kind
    /// The scripted agent's file (read whatever the kind: `talk` and the tests use it).
    var script: String
    /// Every kind's settings are read (and checked) whatever the kind: a tenant may choose another kind
    /// and overrides only some of them.
    var openAI: OpenAIChatAgent.Configuration
    var orchestrator: OrchestratorAgent.Configuration
    var realtime: OpenAIRealtimeAgent.Configuration

    /// Who takes the turns of a speech-to-speech call (`agent.realtime.turn_detection`).
    enum TurnDetection: String, CaseIterable {
        /// The model's server-side voice activity detection.
        case server
        /// The daemon's endpointing (`conversation.end_silence_ms`); the model is told when a turn ends.
        case daemon
    }

    init(_ r: ConfigReader) throws(ConfigError) {
        kind = try r.choice("agent.kind", Kind.self)
        script = try r.existingFile("agent.script")
        do {
            let timeout = try r.milliseconds("agent.orchestrator.timeout_ms", in: 100...120_000)
            let base = try r.url("agent.orchestrator.base_url", schemes: ["http", "https"]).absoluteString
            let agentID = try r.string("agent.orchestrator.agent_id").trimmingCharacters(in: .whitespaces)
            orchestrator = .init(
                http: HTTPProviderSettings(baseURL: base, apiKey: try r.secret("agent.orchestrator.token"), timeout: timeout),
                agentID: agentID.isEmpty ? nil : agentID)
        }
        do {
            let section = "agent.realtime"
            let url = try r.url("\(section).url", schemes: ["ws", "wss"]).absoluteString
            realtime = OpenAIRealtimeAgent.Configuration(
                url: url, apiKey: try r.secret("\(section).api_key"), model: try r.nonEmpty("\(section).model"),
                voice: try r.nonEmpty("\(section).voice"), instructions: try r.string("\(section).instructions"),
                greeting: try r.string("\(section).greeting"),
                turnDetection: .init(
                    silenceDuration: try r.milliseconds("\(section).silence_ms", in: 100...5_000),
                    byServer: try r.choice("\(section).turn_detection", TurnDetection.self) == .server),
                transcriptionModel: try r.nonEmpty("\(section).transcription_model"),
                connectTimeout: try r.milliseconds("\(section).timeout_ms", in: 100...120_000))
        }
        let section = "agent.openai"
        let timeout = try r.milliseconds("\(section).timeout_ms", in: 100...120_000)
        let maxTokens = try r.int("\(section).max_tokens", in: 0...100_000)
        openAI = OpenAIChatAgent.Configuration(
            http: try SpeechConfiguration.http(r, section, timeout: timeout),
            model: try r.nonEmpty("\(section).model"),
            systemPrompt: try r.string("\(section).system_prompt"),
            greeting: try r.string("\(section).greeting"),
            temperature: try r.number("\(section).temperature", in: 0...2),
            maxTokens: maxTokens == 0 ? nil : maxTokens,
            historyTurns: try r.int("\(section).history_turns", in: 1...200),
            tools: try Self.tools(file: try r.string("\(section).tools_file"), key: "\(section).tools_file"),
            toolFallback: try r.nonEmpty("\(section).tool_fallback"))
    }

    /// The webhook tools of a tools file (none for an empty path).
    static func tools(file path: String, key: String) throws(ConfigError) -> [WebhookTool] {
        guard !path.isEmpty else { return [] }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch { throw ConfigError(key: key, message: "cannot read \(path)") }
        do { return try WebhookTool.parse(yaml: text) } catch { throw ConfigError(key: key, message: "\(path): \(error.description)") }
    }
}
