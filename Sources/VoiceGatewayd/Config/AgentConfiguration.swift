import AdapterSupport
import Agent

/// Which agent answers the calls (`agent.*`).
struct AgentConfiguration {
    enum Provider: String, CaseIterable {
        /// The keyword script of `agent.script`.
        case scripted
        /// An OpenAI-compatible chat completions API (`agent.openai.*`).
        case openai
        /// The platform's agent orchestrator (`agent.orchestrator.*`, docs/agent-orchestrator.md).
        case orchestrator
    }

    var provider: Provider
    /// The scripted agent's file (read whatever the provider: `talk` and the tests use it).
    var script: String
    var openAI: OpenAIChatAgent.Configuration?
    var orchestrator: OrchestratorAgent.Configuration?

    init(_ r: ConfigReader) throws(ConfigError) {
        provider = try r.choice("agent.provider", Provider.self)
        script = try r.existingFile("agent.script")
        if provider == .orchestrator {
            let timeout = try r.milliseconds("agent.orchestrator.timeout_ms", in: 100...120_000)
            orchestrator = .init(http: try SpeechConfiguration.http(r, "agent.orchestrator", timeout: timeout))
        }
        guard provider == .openai else { return }
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
            historyTurns: try r.int("\(section).history_turns", in: 1...200))
    }
}
