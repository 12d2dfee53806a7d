import AdapterSupport
import Directory
import Domain
import Foundation

/// How a call's tenant is found (`tenants.*` besides `file` and `default_language`): how dialled numbers
/// are normalised, and the tenant manager with its cache (docs/tenant-manager.md). Every key is read
/// and validated even when the manager is off, so a typo is reported before it is switched on.
struct TenantDirectoryConfiguration: Sendable {
    /// The tenant manager's connection and cache.
    struct Manager: Sendable {
        var http: HTTPProviderSettings
        var ttl: Duration
        var negativeTTL: Duration
    }

    /// `tenants.default_country_code`: national numbers are read as this country's.
    var numbers: DialledNumberNormaliser
    /// `tenants.manager_url` and the keys that go with it; nil when the URL is empty (the manager is off).
    var manager: Manager?

    init(_ r: ConfigReader) throws(ConfigError) {
        let code = try r.string("tenants.default_country_code").trimmingCharacters(in: .whitespaces)
        do { numbers = try DialledNumberNormaliser(defaultCountryCode: code) } catch {
            throw ConfigError(key: "tenants.default_country_code", message: "\(error.reason) (got '\(code)')")
        }
        let token = try r.secret("tenants.manager_token")
        let timeout = try r.milliseconds("tenants.manager_timeout_ms", in: 100...60_000)
        let ttl = Duration.seconds(try r.int("tenants.cache_ttl_s", in: 0...86_400))
        let negativeTTL = Duration.seconds(try r.int("tenants.negative_ttl_s", in: 0...86_400))
        let url = try r.string("tenants.manager_url").trimmingCharacters(in: .whitespaces)
        guard !url.isEmpty else {
            manager = nil
            return
        }
        let base = try r.url("tenants.manager_url", schemes: ["http", "https"]).absoluteString
        manager = Manager(http: HTTPProviderSettings(baseURL: base, apiKey: token, timeout: timeout), ttl: ttl, negativeTTL: negativeTTL)
    }
}
