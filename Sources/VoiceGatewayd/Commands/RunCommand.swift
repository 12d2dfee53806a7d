import ArgumentParser
import Foundation
import Logging

/// `voicegatewayd run`: runs the daemon (the default subcommand) until SIGTERM or SIGINT.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon (default).",
        discussion: """
            Connects to ARI, takes the calls of the Stasis application, and serves the management API
            (/health, /ready, /metrics). SIGTERM or SIGINT ends live calls cleanly, flushes the events and exits.
            """)

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let (config, warnings) = try options.load()
        let logger = LogBootstrap.configure(level: config.logLevel, json: config.jsonLogs)
        for warning in warnings { logger.warning("\(warning)") }
        let daemon: Daemon
        do {
            daemon = try await buildServiceGroup(config: config, logger: logger)
        } catch let error as ConfigError {
            FileHandle.standardError.write(Data("voicegatewayd: \(error.description)\n".utf8))
            throw ExitCode(78)
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            throw ExitCode(70)
        }
        try await daemon.group.run()
        logger.info("voicegatewayd stopped")
    }
}
