import Directory
import Domain
import Foundation
import Logging
import Metrics
import Testing
import TestSupport

@testable import VoiceGatewayd

/// `tenants.*`: the tenant manager's keys, the default country code, and what the composition root
/// builds from them.
@Suite("Tenant directory configuration")
struct TenantDirectoryConfigurationTests {
    func load(_ env: [String: String]) throws(ConfigError) -> DaemonConfiguration {
        try DaemonConfiguration.load(file: nil, environment: env.merging(["VOICEGW_AGENT_SCRIPT": ConfigurationTests.agentScript]) { $1 }).0
    }

    @Test func theManagerIsOffByDefault() throws {
        let config = try load([:])
        #expect(config.tenantDirectory.manager == nil)
        #expect(config.tenantDirectory.numbers.defaultCountryCode == nil)
    }

    @Test func everyManagerKeyIsRead() throws {
        let tokenFile = FileManager.default.temporaryDirectory.appendingPathComponent("vgw-manager-token-\(UUID().uuidString)").path
        try "from-a-file\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: tokenFile) }
        let config = try load([
            "VOICEGW_TENANTS_MANAGER_URL": "https://tenants.internal:8443/", "VOICEGW_TENANTS_MANAGER_TOKEN": "plain",
            "VOICEGW_TENANTS_MANAGER_TIMEOUT_MS": "750", "VOICEGW_TENANTS_CACHE_TTL_S": "60", "VOICEGW_TENANTS_NEGATIVE_TTL_S": "5",
            "VOICEGW_TENANTS_DEFAULT_COUNTRY_CODE": "+44",
        ])
        let manager = try #require(config.tenantDirectory.manager)
        #expect(manager.http.baseURL == "https://tenants.internal:8443")
        #expect(manager.http.apiKey == "plain")
        #expect(manager.http.timeout == .milliseconds(750))
        #expect(manager.ttl == .seconds(60) && manager.negativeTTL == .seconds(5))
        #expect(config.tenantDirectory.numbers.defaultCountryCode == "44")
        let fromFile = try load(["VOICEGW_TENANTS_MANAGER_URL": "http://127.0.0.1:9", "VOICEGW_TENANTS_MANAGER_TOKEN_FILE": tokenFile])
        #expect(fromFile.tenantDirectory.manager?.http.apiKey == "from-a-file", "the _file twin wins")
    }

    @Test(arguments: [
        ("VOICEGW_TENANTS_MANAGER_URL", "ftp://tenants", "tenants.manager_url"),
        ("VOICEGW_TENANTS_MANAGER_URL", "tenants:8080", "tenants.manager_url"),
        ("VOICEGW_TENANTS_MANAGER_TIMEOUT_MS", "0", "tenants.manager_timeout_ms"),
        ("VOICEGW_TENANTS_MANAGER_TIMEOUT_MS", "soon", "tenants.manager_timeout_ms"),
        ("VOICEGW_TENANTS_CACHE_TTL_S", "-1", "tenants.cache_ttl_s"),
        ("VOICEGW_TENANTS_NEGATIVE_TTL_S", "a while", "tenants.negative_ttl_s"),
        ("VOICEGW_TENANTS_DEFAULT_COUNTRY_CODE", "0", "tenants.default_country_code"),
        ("VOICEGW_TENANTS_DEFAULT_COUNTRY_CODE", "uk", "tenants.default_country_code"),
        ("VOICEGW_TENANTS_DEFAULT_COUNTRY_CODE", "1234", "tenants.default_country_code"),
        ("VOICEGW_TENANTS_MANAGER_TOKEN_FILE", "/nonexistent/token", "tenants.manager_token_file"),
    ])
    func badValuesNameTheKey(variable: String, value: String, key: String) {
        do {
            _ = try load([variable: value])
            Issue.record("\(variable)=\(value) should be refused")
        } catch {
            #expect(error.key == key)
            #expect(error.description.contains(key))
        }
    }

    @Test func theCompositionRootBuildsTheDirectoryTheKeysAskFor() throws {
        let tenantsFile = FileManager.default.temporaryDirectory.appendingPathComponent("vgw-tenants-\(UUID().uuidString).yaml").path
        try "tenants:\n  - id: acme\n    transport: audiosocket\n    dids: ['020 7946 0018']\n".write(toFile: tenantsFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: tenantsFile) }
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let metrics = TenantLookupMetrics(factory: NOOPMetricsHandler.instance)
        func build(_ env: [String: String]) throws -> (any TenantDirectory, TenantTable) {
            let config = try load(env)
            let file = try TenantLoader.file(config: config)
            let table = TenantLoader.table(config: config, file: file)
            let directory = TenantLoader.directory(
                config: config, file: file, table: table, transports: [.rtp], metrics: metrics, clock: TestClock(), logger: logger)
            return (directory, table)
        }

        let (plain, defaults) = try build([:])
        #expect(plain is StaticTenantDirectory && defaults.defaultTenant == "default", "one default tenant owns every number")
        let (file, table) = try build(["VOICEGW_TENANTS_FILE": tenantsFile, "VOICEGW_TENANTS_DEFAULT_COUNTRY_CODE": "44"])
        #expect(file is StaticTenantDirectory)
        #expect(table.didOwners == ["+442079460018": "acme"], "the file's numbers normalised with the country code")
        let (managed, managedTable) = try build(["VOICEGW_TENANTS_MANAGER_URL": "http://127.0.0.1:9", "VOICEGW_TENANTS_FILE": tenantsFile])
        #expect(managed is TenantManagerDirectory)
        #expect(managedTable.tenants.keys.sorted() == ["acme"], "the file's tenants are built up front (their transports, agents)")
        let (alone, noTable) = try build(["VOICEGW_TENANTS_MANAGER_URL": "http://127.0.0.1:9"])
        #expect(alone is TenantManagerDirectory)
        #expect(noTable.tenants.isEmpty && noTable.defaultTenant == nil, "no default tenant to fall back on")
    }
}
