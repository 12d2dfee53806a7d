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
///     dids: ["100", "+15551234567"]
/// ```
public struct TenantTable: Sendable, Hashable {
    public var tenants: [TenantID: TenantSettings]
    public var didOwners: [String: TenantID]
    public var defaultTenant: TenantID?

    public init(tenants: [TenantSettings], dids: [String: TenantID] = [:], defaultTenant: TenantID? = nil) {
        self.tenants = Dictionary(tenants.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        self.didOwners = dids
        self.defaultTenant = defaultTenant
    }

    /// A table error naming the key.
    public struct Invalid: Error, Hashable, Sendable, CustomStringConvertible {
        public let key: String
        public let message: String
        public var description: String { "\(key): \(message)" }
    }

    /// Parses the YAML text of a tenants file.
    public static func parse(yaml text: String) throws(Invalid) -> TenantTable {
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
            for did in (map["dids"] as? [Any]) ?? [] {
                let number = "\(did)"
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
        return TenantTable(tenants: tenants, dids: dids, defaultTenant: fallback)
    }
}

/// A tenant directory backed by a `TenantTable` (a file, or the single default tenant of the config).
public struct StaticTenantDirectory: TenantDirectory {
    public let table: TenantTable

    public init(table: TenantTable) {
        self.table = table
    }

    public func tenant(forDialled did: String, trunk: String?) async throws(ProviderError) -> TenantSettings {
        if let owner = table.didOwners[did], let settings = table.tenants[owner] { return settings }
        if let fallback = table.defaultTenant, let settings = table.tenants[fallback] { return settings }
        throw ProviderError(.badRequest, provider: "directory", "no tenant owns \(did)")
    }

    public func settings(for id: TenantID) async throws(ProviderError) -> TenantSettings {
        guard let settings = table.tenants[id] else { throw ProviderError(.badRequest, provider: "directory", "unknown tenant \(id)") }
        return settings
    }
}
