import AsteriskARI
import Domain
import Foundation
import Logging
import Metrics
import ServiceLifecycle

/// The telephony the configuration names: one `ARITelephony` (`ari.url`, with the AMI fallback when
/// `ami.host` is set), or an `ARIServerPool` over `ari.servers`, with what `/ready` reports of it and the
/// service that keeps its connections.
struct TelephonyLoader {
    let port: any Telephony
    let service: any Service
    let health: [any HealthReporting]

    static func make(config: DaemonConfiguration, clock: any Domain.Clock, metrics: any MetricsFactory, logger: Logger) -> TelephonyLoader {
        func server(url: URL, username: String, password: String, app: String, name: String) -> ARITelephony {
            var settings = ARITelephony.Configuration(url: url, username: username, password: password, app: app)
            settings.requestTimeout = config.ari.requestTimeout
            settings.transferContext = config.ari.transferContext
            settings.instance = config.instanceID.rawValue
            settings.name = name
            var logger = logger
            if !name.isEmpty { logger[metadataKey: "ari.server"] = "\(name)" }
            return ARITelephony(configuration: settings, clock: clock, metricsFactory: metrics, logger: logger)
        }
        guard !config.ari.servers.isEmpty else {
            let only = server(url: config.ari.url, username: config.ari.username, password: config.ari.password, app: config.ari.app, name: "")
            guard let ami = config.ami else { return TelephonyLoader(port: only, service: only, health: [only]) }
            let client = AMIClient(
                configuration: .init(host: ami.host, port: ami.port, username: ami.username, secret: ami.secret), clock: clock, logger: logger)
            let fallback = AMIFallbackTelephony(
                primary: only, ami: client, app: config.ari.app, transferContext: config.ari.transferContext, metricsFactory: metrics, logger: logger)
            return TelephonyLoader(port: fallback, service: fallback, health: [only, client])
        }
        let servers = config.ari.servers.map { server(url: $0.url, username: $0.username, password: $0.password, app: $0.app, name: $0.name) }
        let pool = ARIServerPool(servers: servers, logger: logger)
        return TelephonyLoader(port: pool, service: pool, health: [pool] + pool.serverHealth)
    }
}
