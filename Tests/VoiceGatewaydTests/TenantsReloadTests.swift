import Application
import Directory
import Domain
import Foundation
import Logging
import Metrics
import Testing
import TestSupport

@testable import VoiceGatewayd

/// What SIGHUP does to the tenants and the agents, without a process: all or nothing.
@Suite("Tenants and agents reload")
struct TenantsReloadTests {
    func reload() throws -> (TenantsReload, ReplaceableTenantDirectory) {
        let directory = ReplaceableTenantDirectory(StaticTenantDirectory(table: TenantTable(tenants: [TenantSettings(id: "acme")], defaultTenant: "acme")))
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let reload = TenantsReload(
            directory: directory, agents: AgentRoster(fallback: .turns(try AgentLoader.scripted(path: ConfigurationTests.agentScript))),
            transports: [.rtp], metrics: TenantLookupMetrics(factory: NOOPMetricsHandler.instance), clock: TestClock(), logger: logger)
        return (reload, directory)
    }

    func config(tenants yaml: String) throws -> DaemonConfiguration {
        let path = try CheckConfigCommandTests.file("tenants:\n  file: $DIR/tenants.yaml\n", extra: ["tenants.yaml": yaml])
        return try DaemonConfiguration.load(file: path, environment: ["VOICEGW_AGENT_SCRIPT": ConfigurationTests.agentScript]).0
    }

    @Test func newTenantsTakeOverTheDirectoryOnlyWhenApplied() async throws {
        let (reload, directory) = try reload()
        let prepared = try reload.prepare(try config(tenants: "tenants:\n  - id: globex\n    dids: ['100']\n"))
        #expect(try await directory.tenant(forDialled: "100", trunk: nil).id == "acme", "nothing changes before apply")
        reload.apply(prepared)
        #expect(try await directory.tenant(forDialled: "100", trunk: nil).id == "globex")
        await #expect(throws: ProviderError.self) { try await directory.tenant(forDialled: "999", trunk: nil) }
    }

    @Test func aTenantAskingForATransportTheDaemonStartedWithoutIsRefused() throws {
        let (reload, _) = try reload()
        #expect(throws: ConfigError(
            key: "tenants.file", message: "tenant acme asks for the audiosocket transport, which this daemon started without: restart to add it")
        ) {
            try reload.prepare(try config(tenants: "tenants:\n  - id: acme\n    transport: audiosocket\n    dids: ['100']\n"))
        }
    }
}
