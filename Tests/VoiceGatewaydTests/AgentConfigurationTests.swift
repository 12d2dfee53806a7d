import Agent
import Application
import Directory
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
        #expect(plain.agent.kind == .scripted)
        #expect(try AgentLoader.make(plain.agent, logger: .init(label: "t")).name == "scripted")
        #expect(try AgentLoader.make(plain.agent, logger: .init(label: "t")).name == "scripted")

        let openai = try load([
            "VOICEGW_AGENT_KIND": "openai", "VOICEGW_AGENT_OPENAI_BASE_URL": "http://127.0.0.1:11434", "VOICEGW_AGENT_OPENAI_MODEL": "llama3",
            "VOICEGW_AGENT_OPENAI_TEMPERATURE": "0.2", "VOICEGW_AGENT_OPENAI_MAX_TOKENS": "0", "VOICEGW_AGENT_OPENAI_HISTORY_TURNS": "5",
        ])
        let chat = openai.agent.openAI
        #expect(chat.http.baseURL == "http://127.0.0.1:11434" && chat.model == "llama3" && chat.temperature == 0.2)
        #expect(chat.maxTokens == nil, "0 leaves it to the server")
        #expect(chat.historyTurns == 5 && chat.http.timeout == .seconds(10) && chat.http.apiKey.isEmpty)
        #expect(try AgentLoader.make(openai.agent, logger: .init(label: "t")).name == "openai")

        let orchestrated = try load(["VOICEGW_AGENT_KIND": "orchestrator", "VOICEGW_AGENT_ORCHESTRATOR_TOKEN": "tok"])
        let orchestrator = orchestrated.agent.orchestrator
        #expect(orchestrator.http.baseURL == "http://127.0.0.1:8090" && orchestrator.http.apiKey == "tok" && orchestrator.http.timeout == .seconds(5))
        #expect(orchestrator.agentID == nil, "empty agent_id: the orchestrator's default agent")
        let named = try load(["VOICEGW_AGENT_KIND": "orchestrator", "VOICEGW_AGENT_ORCHESTRATOR_AGENT_ID": "support-bot"])
        #expect(named.agent.orchestrator.agentID == "support-bot")
        #expect(try AgentLoader.make(orchestrated.agent, logger: .init(label: "t")).name == "orchestrator")
    }

    @Test(arguments: [
        (["VOICEGW_AGENT_KIND": "gpt"], "agent.kind"),
        (["VOICEGW_AGENT_KIND": "openai", "VOICEGW_AGENT_OPENAI_TEMPERATURE": "3"], "agent.openai.temperature"),
        (["VOICEGW_AGENT_KIND": "openai", "VOICEGW_AGENT_OPENAI_MODEL": ""], "agent.openai.model"),
        (["VOICEGW_AGENT_KIND": "openai", "VOICEGW_AGENT_OPENAI_BASE_URL": "ftp://x"], "agent.openai.base_url"),
        (["VOICEGW_AGENT_KIND": "openai", "VOICEGW_AGENT_OPENAI_HISTORY_TURNS": "0"], "agent.openai.history_turns"),
        (["VOICEGW_AGENT_KIND": "orchestrator", "VOICEGW_AGENT_ORCHESTRATOR_TIMEOUT_MS": "10"], "agent.orchestrator.timeout_ms"),
        (["VOICEGW_AGENT_KIND": "orchestrator", "VOICEGW_AGENT_ORCHESTRATOR_TOKEN_FILE": "/nonexistent/token"], "agent.orchestrator.token_file"),
        (["VOICEGW_AGENT_OPENAI_TOOLS_FILE": "/nonexistent/tools.yaml"], "agent.openai.tools_file"),
        (["VOICEGW_AGENT_KIND": "realtime", "VOICEGW_AGENT_REALTIME_URL": "https://api.openai.com/v1/realtime"], "agent.realtime.url"),
        (["VOICEGW_AGENT_REALTIME_SILENCE_MS": "10"], "agent.realtime.silence_ms"),
        (["VOICEGW_AGENT_REALTIME_TURN_DETECTION": "both"], "agent.realtime.turn_detection"),
    ])
    func badValuesNameTheKey(environment: [String: String], key: String) {
        do {
            _ = try load(environment)
            Issue.record("\(environment) should be refused")
        } catch {
            #expect(error.key == key)
        }
    }

    /// A tenant's own agent: its kind, the daemon's settings with its overrides, and its own key, which
    /// reaches that tenant's agent only.
    @Test func tenantsChooseTheirAgentWithTheirOwnCredentials() throws {
        let config = try load(["VOICEGW_AGENT_OPENAI_API_KEY": "daemon-key"])
        let table = try TenantTable.parse(yaml: """
            tenants:
              - id: acme
                agent: {kind: openai, model: acme-model, system_prompt: "Be brief.", greeting: "Acme, hello.", api_key: acme-key}
              - id: globex
                agent: {kind: orchestrator, base_url: "http://127.0.0.1:9999"}
                agent_id: globex-bot
              - id: initech
            """)
        let roster = try AgentLoader.roster(config.agent, tenants: table, logger: .init(label: "t"))
        #expect(roster.fallback.name == "scripted")
        #expect(roster.choice(for: "acme").name == "openai")
        #expect(roster.choice(for: "globex").name == "orchestrator")
        #expect(roster.choice(for: "initech").name == "scripted", "no agent of its own: the daemon's")
        guard case .turns(let acme) = roster.choice(for: "acme"), let chat = acme as? OpenAIChatAgent else {
            Issue.record("acme should have a chat agent")
            return
        }
        #expect(chat.configuration.http.apiKey == "acme-key" && chat.configuration.model == "acme-model")
        #expect(chat.configuration.systemPrompt == "Be brief." && chat.configuration.greeting == "Acme, hello.")
        #expect(chat.configuration.http.baseURL == config.agent.openAI.http.baseURL, "unset keys keep the daemon's")
        guard case .turns(let globex) = roster.choice(for: "globex"), let orchestrator = globex as? OrchestratorAgent else {
            Issue.record("globex should have an orchestrator agent")
            return
        }
        #expect(orchestrator.configuration.http.baseURL == "http://127.0.0.1:9999")
        #expect(orchestrator.configuration.http.apiKey != "acme-key", "one tenant's key never serves another")
    }

    @Test(arguments: [
        ("tenants: [{id: a, agent: {kind: gpt}}]", "tenants[0].agent.kind"),
        ("tenants: [{id: a, agent: {kind: openai, modle: x}}]", "tenants[0].agent.modle"),
        ("tenants: [{id: a, agent: {kind: openai, base_url: ftp://x}}]", "tenants[0].agent.base_url"),
        ("tenants: [{id: a, agent: {kind: openai, api_key_file: /nonexistent/key}}]", "tenants[0].agent.api_key_file"),
        ("tenants: [{id: a, agent: openai}]", "tenants[0].agent"),
    ])
    func badTenantAgentsNameTheKey(yaml: String, key: String) {
        do {
            _ = try TenantTable.parse(yaml: yaml)
            Issue.record("\(yaml) should be refused")
        } catch {
            #expect(error.key == key)
        }
    }
}
