import Agent
import Application
import Directory
import Domain
import Foundation
import Logging

/// Builds the agent of `agent.kind`, and the agents tenants chose.
enum AgentLoader {
    static func make(_ configuration: AgentConfiguration, logger: Logger) throws(ConfigError) -> any Agent {
        guard case .turns(let agent) = try choice(configuration.kind, configuration, logger: logger) else {
            throw ConfigError(key: "agent.kind", message: "\(configuration.kind.rawValue) is not a turn-based agent")
        }
        return agent
    }

    /// The daemon's agent and, for each tenant with an `agent:` of its own, that tenant's: the daemon's
    /// `agent.<kind>` settings with the tenant's overrides, its credentials used for its calls only.
    static func roster(_ configuration: AgentConfiguration, tenants: TenantTable, logger: Logger) throws(ConfigError) -> AgentRoster {
        let fallback = try choice(configuration.kind, configuration, logger: logger)
        var chosen: [TenantID: AgentRoster.Choice] = [:]
        for (id, tenant) in tenants.tenants.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            guard let own = tenant.agent else { continue }
            let key = "tenants.\(id.rawValue).agent"
            guard let kind = AgentConfiguration.Kind(rawValue: own.kind) else { throw ConfigError(key: key + ".kind", message: "unknown kind \(own.kind)") }
            var settings = configuration
            if let base = own.baseURL {
                settings.openAI.http.baseURL = base
                settings.orchestrator.http.baseURL = base
                settings.realtime.url = base
            }
            if let apiKey = own.apiKey {
                settings.openAI.http.apiKey = apiKey
                settings.orchestrator.http.apiKey = apiKey
                settings.realtime.apiKey = apiKey
            }
            if let model = own.model { settings.openAI.model = model; settings.realtime.model = model }
            if let prompt = own.systemPrompt { settings.openAI.systemPrompt = prompt; settings.realtime.instructions = prompt }
            if let greeting = own.greeting { settings.openAI.greeting = greeting; settings.realtime.greeting = greeting }
            if let voice = tenant.voice, kind == .realtime { settings.realtime.voice = voice }
            if let file = own.toolsFile { settings.openAI.tools = try AgentConfiguration.tools(file: file, key: key + ".tools_file") }
            chosen[id] = try choice(kind, settings, logger: logger)
        }
        return AgentRoster(fallback: fallback, tenants: chosen)
    }

    private static func choice(_ kind: AgentConfiguration.Kind, _ configuration: AgentConfiguration, logger: Logger) throws(ConfigError) -> AgentRoster.Choice {
        switch kind {
        case .scripted: .turns(try scripted(path: configuration.script))
        case .openai: .turns(OpenAIChatAgent(configuration: configuration.openAI, logger: logger))
        case .orchestrator: .turns(OrchestratorAgent(configuration: configuration.orchestrator, logger: logger))
        case .realtime: .speech(OpenAIRealtimeAgent(configuration: configuration.realtime, logger: logger))
        }
    }

    /// The scripted agent of `agent.script`.
    static func scripted(path: String) throws(ConfigError) -> ScriptedAgent {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ConfigError(key: "agent.script", message: "cannot read \(path)")
        }
        do { return ScriptedAgent(script: try AgentScript.parse(yaml: text)) } catch {
            throw ConfigError(key: "agent.script", message: "\(path): \(error.description)")
        }
    }
}

/// Loads the tenant directory: `tenants.file`, or one `default` tenant owning every number.
enum TenantLoader {
    /// Tenants may reorder or subset the providers of `stt.providers` / `tts.providers` (only those are built).
    static func directory(config: DaemonConfiguration) throws(ConfigError) -> StaticTenantDirectory {
        guard let path = config.tenantsFile else {
            let tenant = TenantSettings(
                id: "default", language: config.defaultLanguage, sttProviders: config.speech.sttProviders,
                ttsProviders: config.speech.ttsProviders)
            return StaticTenantDirectory(table: TenantTable(tenants: [tenant], defaultTenant: tenant.id))
        }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ConfigError(key: "tenants.file", message: "cannot read \(path)")
        }
        do { return StaticTenantDirectory(table: try TenantTable.parse(yaml: text)) } catch {
            throw ConfigError(key: "tenants.file", message: "\(path): \(error.description)")
        }
    }
}
