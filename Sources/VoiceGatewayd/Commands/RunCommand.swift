import ArgumentParser
import Foundation
import Logging
import UnixSignals

/// `voicegatewayd run`: runs the daemon (the default subcommand) until SIGTERM or SIGINT.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon (default).",
        discussion: """
            Connects to ARI, takes the calls of the Stasis application, and serves the management API
            (/health, /ready, /metrics). SIGTERM or SIGINT drains: /ready turns 503 at once, new calls go
            back to the dialplan (VOICEGW_REFUSED=shutting_down), live calls go on for shutdown.grace_ms,
            then each hears shutdown.goodbye and is hung up; the events are flushed and the exit code is 0.
            A second SIGTERM or SIGINT hangs up the calls still live at once. SIGHUP reads the configuration
            again and applies the operator API's keys (http.auth.*), the tenants (tenants.*), the agents and the
            agent script (agent.*, a tenant's agent) and the log level (log.level) to what starts next; an
            invalid configuration, key, tenants or script file changes nothing. Live calls go on.
            """)

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let (config, warnings) = try options.load()
        let logger = LogBootstrap.configure(level: config.logLevel, json: config.jsonLogs)
        for warning in warnings { logger.warning("\(warning)") }
        let daemon: Daemon
        var hooks = DaemonHooks()
        hooks.shutdownSignals = []  // handled below: the first signal drains, the second ends the calls
        do {
            daemon = try await buildServiceGroup(config: config, logger: logger, hooks: hooks)
        } catch let error as ConfigError {
            FileHandle.standardError.write(Data("voicegatewayd: \(error.description)\n".utf8))
            throw ExitCode(78)
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            throw ExitCode(70)
        }
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        let watcher = Task {
            var received = 0
            for await signal in signals {
                received += 1
                if received == 1 {
                    logger.notice("\(signal): draining (a second signal ends the calls at once)")
                    await daemon.group.triggerGracefulShutdown()
                } else {
                    logger.notice("\(signal) again: ending every call now")
                    daemon.callService.endNow()
                }
            }
        }
        defer { watcher.cancel() }
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        let reloader = Task {
            for await _ in hangups {
                do {
                    let (fresh, _) = try options.load()
                    try await daemon.reload(from: fresh)
                    LogBootstrap.level.value = fresh.logLevel
                    logger.notice("SIGHUP: operator API keys, tenants, agents and log level reloaded", metadata: ["log.level": "\(fresh.logLevel)"])
                } catch {
                    logger.error("SIGHUP: nothing reloaded; the keys, tenants, agents and log level in use stay", metadata: ["error": "\(error)"])
                }
            }
        }
        defer { reloader.cancel() }
        try await daemon.group.run()
        logger.info("voicegatewayd stopped")
    }
}
