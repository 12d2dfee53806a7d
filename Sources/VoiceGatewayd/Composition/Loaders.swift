import Agent
import Directory
import Domain
import Foundation
import Logging

/// Builds the agent of `agent.provider`.
enum AgentLoader {
    static func make(_ configuration: AgentConfiguration, logger: Logger) throws(ConfigError) -> any Agent {
        switch configuration.provider {
        case .scripted: return try scripted(path: configuration.script)
        case .openai:
            guard let settings = configuration.openAI else { throw ConfigError(key: "agent.openai", message: "missing") }
            return OpenAIChatAgent(configuration: settings, logger: logger)
        case .orchestrator:
            guard let settings = configuration.orchestrator else { throw ConfigError(key: "agent.orchestrator", message: "missing") }
            return OrchestratorAgent(configuration: settings, logger: logger)
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
