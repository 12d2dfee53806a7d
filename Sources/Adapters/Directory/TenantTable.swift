import Foundation
import Domain
import Yams

/// The tenants file (`etc/tenants.yaml`): which dialled numbers belong to which tenant, and each
/// tenant's settings.
///
/// ```yaml
/// default_tenant: default          # optional: unknown numbers go here
/// tenants:
///   - id: default
///     language: en-US
///     stt: [pocketsphinx]
///     tts: [espeak]
///     voice: en-us
///     transport: rtp
///     max_concurrent_calls: 100
///     dids: ["100", "+15551234567"]   # normalised: "+1 (555) 123-4567" is the same number
///     agent_id: support-bot          # the orchestrator's agent for this tenant
///     allowed_destinations: ["+1555*"]  # external numbers its operators may call or transfer to (else calls.allowed_destinations)
///     dial_template: "PJSIP/{to}@acme-trunk"  # how its outbound calls are dialled (else calls.dial_template)
///     recording: true                         # record its calls (else calls.recording.enabled)
///     agent:                         # optional: this tenant's own agent (else the daemon's agent.*)
///       kind: openai                 # scripted | openai | orchestrator | realtime
///       model: gpt-4o-mini           # overrides of agent.<kind>.*; unset keys keep the daemon's
///       system_prompt: "..."
///       greeting: "..."
///       base_url: https://api.openai.com
///       api_key_file: /etc/voicegatewayd/acme.key   # or api_key: used on this tenant's calls only
///       tools_file: /etc/voicegatewayd/acme-tools.yaml   # webhook tools (openai kind)
/// ```
public struct TenantTable: Sendable, Hashable {
    public var tenants: [TenantID: TenantSettings]
    /// Owners by dialled number, the numbers normalised by `numbers`.
    public var didOwners: [String: TenantID]
    public var defaultTenant: TenantID?
    /// How dialled numbers are normalised, in the table and before a lookup (`tenants.default_country_code`).
    public var numbers: DialledNumberNormaliser

    public init(
        tenants: [TenantSettings], dids: [String: TenantID] = [:], defaultTenant: TenantID? = nil,
        numbers: DialledNumberNormaliser = .international
    ) {
        self.tenants = Dictionary(tenants.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        self.didOwners = Dictionary(dids.map { (numbers.normalise($0.key), $0.value) }, uniquingKeysWith: { first, _ in first })
        self.defaultTenant = defaultTenant
        self.numbers = numbers
    }

    /// The owner of dialled number `did` (normalised first), if the table names one.
    public func owner(of did: String) -> TenantID? {
        didOwners[numbers.normalise(did)]
    }

    /// A table error naming the key.
    public struct Invalid: Error, Hashable, Sendable, CustomStringConvertible {
        public let key: String
        public let message: String
        public var description: String { "\(key): \(message)" }
    }

    /// Parses the YAML text of a tenants file; its `dids` are normalised by `numbers` (two spellings of
    /// one number owned twice are refused).
    public static func parse(yaml text: String, numbers: DialledNumberNormaliser = .international) throws(Invalid) -> TenantTable {
        let root: [String: Any]
        do {
            guard let loaded = try Yams.load(yaml: text) as? [String: Any] else {
                throw Invalid(key: "(root)", message: "must be a mapping")
            }
            root = loaded
        } catch let error as Invalid { throw error } catch {
            throw Invalid(key: "(yaml)", message: "not valid YAML: \(error)")
        }
        guard let list = root["tenants"] as? [Any] else { throw Invalid(key: "tenants", message: "a list is required") }
        var tenants: [TenantSettings] = []
        var dids: [String: TenantID] = [:]
        for (index, raw) in list.enumerated() {
            let key = "tenants[\(index)]"
            guard let map = raw as? [String: Any] else { throw Invalid(key: key, message: "must be a mapping") }
            guard let id = map["id"] as? String, !id.isEmpty else { throw Invalid(key: "\(key).id", message: "required") }
            var settings = TenantSettings(id: TenantID(id))
            settings.language = (map["language"] as? String) ?? "en-US"
            settings.sttProviders = (map["stt"] as? [String]) ?? []
            settings.ttsProviders = (map["tts"] as? [String]) ?? []
            settings.voice = map["voice"] as? String
            settings.agentID = map["agent_id"] as? String
            if let transport = map["transport"] as? String {
                guard let kind = MediaTransportKind(rawValue: transport) else {
                    throw Invalid(key: "\(key).transport", message: "one of rtp, audiosocket, websocket")
                }
                settings.transport = kind
            }
            if let limit = map["max_concurrent_calls"] {
                guard let value = limit as? Int, value > 0 else { throw Invalid(key: "\(key).max_concurrent_calls", message: "a positive integer") }
                settings.maxConcurrentCalls = value
            }
            if let raw = map["allowed_destinations"] {
                guard let patterns = raw as? [String] else { throw Invalid(key: "\(key).allowed_destinations", message: "a list of +E164 or +prefix*") }
                do { settings.allowedDestinations = try DestinationPolicy(patterns: patterns) } catch {
                    throw Invalid(key: "\(key).allowed_destinations", message: error.description)
                }
            }
            if let raw = map["recording"] {
                guard let value = raw as? Bool else { throw Invalid(key: "\(key).recording", message: "true or false") }
                settings.recording = value
            }
            if let raw = map["dial_template"] {
                guard let text = raw as? String else { throw Invalid(key: "\(key).dial_template", message: "a dial string with {to}") }
                do { settings.dialTemplate = try DialTemplate(text) } catch {
                    throw Invalid(key: "\(key).dial_template", message: error.description)
                }
            }
            if let agent = map["agent"] {
                settings.agent = try Self.agent(agent, key: "\(key).agent")
            }
            for did in (map["dids"] as? [Any]) ?? [] {
                let number = numbers.normalise("\(did)")
                if let owner = dids[number] {
                    throw Invalid(key: "\(key).dids", message: "\(number) already belongs to \(owner)")
                }
                dids[number] = settings.id
            }
            tenants.append(settings)
        }
        let fallback = (root["default_tenant"] as? String).map(TenantID.init(rawValue:))
        if let fallback, !tenants.contains(where: { $0.id == fallback }) {
            throw Invalid(key: "default_tenant", message: "no tenant with id \(fallback)")
        }
        return TenantTable(tenants: tenants, dids: dids, defaultTenant: fallback, numbers: numbers)
    }
}

extension TenantTable {
    static let agentKinds = ["scripted", "openai", "orchestrator", "realtime"]
    static let agentKeys: Set<String> = ["kind", "model", "system_prompt", "greeting", "base_url", "api_key", "api_key_file", "tools_file"]

    /// A tenant's `agent:` mapping.
    static func agent(_ raw: Any, key: String) throws(Invalid) -> TenantAgentSettings {
        guard let map = raw as? [String: Any] else { throw Invalid(key: key, message: "must be a mapping") }
        if let unknown = map.keys.sorted().first(where: { !agentKeys.contains($0) }) {
            throw Invalid(key: "\(key).\(unknown)", message: "unknown key (one of \(agentKeys.sorted().joined(separator: ", ")))")
        }
        guard let kind = map["kind"] as? String, agentKinds.contains(kind) else {
            throw Invalid(key: "\(key).kind", message: "one of \(agentKinds.joined(separator: ", "))")
        }
        func text(_ name: String) throws(Invalid) -> String? {
            guard let value = map[name] else { return nil }
            guard let string = value as? String else { throw Invalid(key: "\(key).\(name)", message: "must be a string") }
            return string
        }
        var apiKey = try text("api_key")
        if let path = try text("api_key_file"), !path.isEmpty {
            guard let secret = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw Invalid(key: "\(key).api_key_file", message: "cannot read \(path)")
            }
            apiKey = secret.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if let base = try text("base_url"), !(base.hasPrefix("http://") || base.hasPrefix("https://") || base.hasPrefix("ws://") || base.hasPrefix("wss://")) {
            throw Invalid(key: "\(key).base_url", message: "must be an http(s) or ws(s) URL")
        }
        return TenantAgentSettings(
            kind: kind, model: try text("model"), systemPrompt: try text("system_prompt"), greeting: try text("greeting"),
            baseURL: try text("base_url"), apiKey: apiKey, toolsFile: try text("tools_file"))
    }
}

/// A tenant directory backed by a `TenantTable` (a file, or the single default tenant of the config).
/// Dialled numbers are normalised as the table's were before the lookup.
public struct StaticTenantDirectory: TenantDirectory {
    public let table: TenantTable

    public init(table: TenantTable) {
        self.table = table
    }

    public func tenant(forDialled did: String, trunk: String?) async throws(ProviderError) -> TenantSettings {
        if let owner = table.owner(of: did), let settings = table.tenants[owner] { return settings }
        if let fallback = table.defaultTenant, let settings = table.tenants[fallback] { return settings }
        throw ProviderError(.badRequest, provider: "directory", "no tenant owns \(did)")
    }

    public func settings(for id: TenantID) async throws(ProviderError) -> TenantSettings {
        guard let settings = table.tenants[id] else { throw ProviderError(.badRequest, provider: "directory", "unknown tenant \(id)") }
        return settings
    }
}
