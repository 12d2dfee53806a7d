import Application
import AsteriskARI
import Domain
import Logging
import ManagementAPI
import Prometheus
import ServiceLifecycle
import UnixSignals

/// What the composition root built: the service group to run, plus handles that commands and the
/// end-to-end tests inspect (the same graph `main` runs, nothing swapped).
struct Daemon: Sendable {
    /// Every long-lived service, ordered by dependency: shut down in reverse order (calls first, the
    /// event publisher last, so every `call.ended` is flushed).
    let group: ServiceGroup
    let callService: CallService
    let telephony: any Telephony
    let registry: PrometheusCollectorRegistry
    /// Verifies the operator API's tokens; its keys are replaced on SIGHUP.
    let apiAuthenticator: APIAuthenticator
    /// The tenants and agents; replaced on SIGHUP.
    let tenants: TenantsReload

    /// Loads the API keys, the tenants and the agents `config` names and puts them in place (SIGHUP), all
    /// or nothing: on an error what is in use stays, and the error names the key. Live calls go on with
    /// what they started with.
    func reload(from config: DaemonConfiguration) async throws(ConfigError) {
        let keys: APIKeys
        do { keys = try await APIKeys.load(hs256Secret: config.apiHS256Secret, publicKeys: config.apiPublicKeys) } catch {
            throw ConfigError(key: error.key, message: error.message)
        }
        let prepared = try tenants.prepare(config)
        apiAuthenticator.reload(keys)
        tenants.apply(prepared)
    }
}

/// Hooks for whoever builds the daemon (the `run` command, tests).
struct DaemonHooks: Sendable {
    /// Called with the management API's bound port once it accepts connections (`http.port: 0` picks one).
    var onHTTPRunning: @Sendable (Int) async -> Void = { _ in }
    /// Signals that start a graceful shutdown (none in tests: they trigger it themselves).
    var shutdownSignals: [UnixSignal] = [.sigterm, .sigint]
    /// The time source.
    var clock: any Domain.Clock = SystemClock()

    init() {}
}
