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

/// Loads the tenant directory: the tenant manager (with `tenants.file` as its fallback, if set), else
/// `tenants.file`, else one `default` tenant owning every number.
enum TenantLoader {
    /// The table of `tenants.file`; nil when the key is empty.
    static func file(config: DaemonConfiguration) throws(ConfigError) -> TenantTable? {
        guard let path = config.tenantsFile else { return nil }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ConfigError(key: "tenants.file", message: "cannot read \(path)")
        }
        do { return try TenantTable.parse(yaml: text, numbers: config.tenantDirectory.numbers) } catch {
            throw ConfigError(key: "tenants.file", message: "\(path): \(error.description)")
        }
    }

    /// The tenants known at start, whose transports and own agents are built up front: `file`; else,
    /// without a manager, one `default` tenant owning every number; else none.
    /// Tenants may reorder or subset the providers of `stt.providers` / `tts.providers` (only those are built).
    static func table(config: DaemonConfiguration, file: TenantTable?) -> TenantTable {
        if let file { return file }
        let numbers = config.tenantDirectory.numbers
        guard config.tenantDirectory.manager == nil else { return TenantTable(tenants: [], numbers: numbers) }
        let tenant = TenantSettings(
            id: "default", language: config.defaultLanguage, sttProviders: config.speech.sttProviders,
            ttsProviders: config.speech.ttsProviders)
        return TenantTable(tenants: [tenant], defaultTenant: tenant.id, numbers: numbers)
    }

    /// Where calls find their tenant: the tenant manager, falling back on `file` (if set) while it cannot
    /// answer; without a manager, `table`. `transports` are the media transports this daemon has engines
    /// for (a manager tenant's other choice falls back to the default).
    static func directory(
        config: DaemonConfiguration, file: TenantTable?, table: TenantTable, transports: Set<MediaTransportKind>,
        metrics: TenantLookupMetrics, clock: any Domain.Clock, logger: Logger
    ) -> any TenantDirectory {
        guard let manager = config.tenantDirectory.manager else { return StaticTenantDirectory(table: table) }
        logger.info("tenants from the tenant manager", metadata: [
            "tenants.manager_url": "\(manager.http.baseURL)", "tenants.file": "\(config.tenantsFile ?? "-")",
        ])
        return TenantManagerDirectory(
            client: TenantManagerClient(settings: manager.http, clock: clock, logger: logger),
            fallback: file.map { StaticTenantDirectory(table: $0) },
            configuration: .init(
                ttl: manager.ttl, negativeTTL: manager.negativeTTL, numbers: config.tenantDirectory.numbers, transports: transports),
            clock: clock, metrics: metrics, logger: logger)
    }
}
