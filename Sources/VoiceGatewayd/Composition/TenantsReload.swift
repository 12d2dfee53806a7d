import Application
import Directory
import Domain
import Logging

/// The tenants and the agents the daemon runs with, replaceable on SIGHUP: `tenants.file`, the tenant
/// manager's settings, the tenants' own agents and the agent script (`agent.*`). Everything is built
/// before anything is swapped, so an invalid file changes nothing; calls that already started keep the
/// tenant settings and the agent they got.
struct TenantsReload: Sendable {
    let directory: ReplaceableTenantDirectory
    let agents: AgentRoster
    /// The media transports the daemon has engines for (started with): a tenant cannot add one by reload.
    let transports: Set<MediaTransportKind>
    let metrics: TenantLookupMetrics
    let clock: any Domain.Clock
    let logger: Logger

    /// What `config` names, built but not in use yet.
    struct Prepared: Sendable {
        let directory: any TenantDirectory
        let agents: AgentRoster
    }

    func prepare(_ config: DaemonConfiguration) throws(ConfigError) -> Prepared {
        let file = try TenantLoader.file(config: config)
        let table = TenantLoader.table(config: config, file: file)
        for tenant in table.tenants.values.sorted(by: { $0.id.rawValue < $1.id.rawValue }) {
            if let transport = tenant.transport, !transports.contains(transport) {
                throw ConfigError(
                    key: "tenants.file",
                    message: "tenant \(tenant.id.rawValue) asks for the \(transport.rawValue) transport, which this daemon started without: restart to add it")
            }
        }
        let directory = TenantLoader.directory(
            config: config, file: file, table: table, transports: transports, metrics: metrics, clock: clock, logger: logger)
        return Prepared(directory: directory, agents: try AgentLoader.roster(config.agent, tenants: table, logger: logger))
    }

    /// Puts `prepared` in place for the calls that start from now on.
    func apply(_ prepared: Prepared) {
        directory.replace(with: prepared.directory)
        agents.replace(with: prepared.agents)
    }
}
