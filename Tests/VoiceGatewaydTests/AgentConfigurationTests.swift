import Agent
import Foundation
import Testing

@testable import VoiceGatewayd

@Suite("Agent configuration")
struct AgentConfigurationTests {
    func load(_ env: [String: String]) throws(ConfigError) -> DaemonConfiguration {
        var environment = ["VOICEGW_AGENT_SCRIPT": ConfigurationTests.agentScript]
        environment.merge(env) { $1 }
        return try DaemonConfiguration.load(file: nil, environment: environment).0
    }

    @Test func theScriptedAgentByDefaultAndTheOthersByName() throws {
        let plain = try load([:])
        #expect(plain.agent.provider == .scripted && plain.agent.openAI == nil && plain.agent.orchestrator == nil)
        #expect(try AgentLoader.make(plain.agent, logger: .init(label: "t")).name == "scripted")

        let openai = try load([
            "VOICEGW_AGENT_PROVIDER": "openai", "VOICEGW_AGENT_OPENAI_BASE_URL": "http://127.0.0.1:11434", "VOICEGW_AGENT_OPENAI_MODEL": "llama3",
            "VOICEGW_AGENT_OPENAI_TEMPERATURE": "0.2", "VOICEGW_AGENT_OPENAI_MAX_TOKENS": "0", "VOICEGW_AGENT_OPENAI_HISTORY_TURNS": "5",
        ])
        let chat = try #require(openai.agent.openAI)
        #expect(chat.http.baseURL == "http://127.0.0.1:11434" && chat.model == "llama3" && chat.temperature == 0.2)
        #expect(chat.maxTokens == nil, "0 leaves it to the server")
        #expect(chat.historyTurns == 5 && chat.http.timeout == .seconds(10) && chat.http.apiKey.isEmpty)
        #expect(try AgentLoader.make(openai.agent, logger: .init(label: "t")).name == "openai")

        let orchestrated = try load(["VOICEGW_AGENT_PROVIDER": "orchestrator", "VOICEGW_AGENT_ORCHESTRATOR_API_KEY": "tok"])
        let orchestrator = try #require(orchestrated.agent.orchestrator)
        #expect(orchestrator.http.baseURL == "http://127.0.0.1:8090" && orchestrator.http.apiKey == "tok" && orchestrator.http.timeout == .seconds(5))
        #expect(try AgentLoader.make(orchestrated.agent, logger: .init(label: "t")).name == "orchestrator")
    }

    @Test(arguments: [
        (["VOICEGW_AGENT_PROVIDER": "gpt"], "agent.provider"),
        (["VOICEGW_AGENT_PROVIDER": "openai", "VOICEGW_AGENT_OPENAI_TEMPERATURE": "3"], "agent.openai.temperature"),
        (["VOICEGW_AGENT_PROVIDER": "openai", "VOICEGW_AGENT_OPENAI_MODEL": ""], "agent.openai.model"),
        (["VOICEGW_AGENT_PROVIDER": "openai", "VOICEGW_AGENT_OPENAI_BASE_URL": "ftp://x"], "agent.openai.base_url"),
        (["VOICEGW_AGENT_PROVIDER": "openai", "VOICEGW_AGENT_OPENAI_HISTORY_TURNS": "0"], "agent.openai.history_turns"),
        (["VOICEGW_AGENT_PROVIDER": "orchestrator", "VOICEGW_AGENT_ORCHESTRATOR_TIMEOUT_MS": "10"], "agent.orchestrator.timeout_ms"),
    ])
    func badValuesNameTheKey(environment: [String: String], key: String) {
        do {
            _ = try load(environment)
            Issue.record("\(environment) should be refused")
        } catch {
            #expect(error.key == key)
        }
    }
}
