import ArgumentParser
import Foundation
import ManagementAPI

/// `voicegatewayd`: the telephony voice bridge between Asterisk (ARI) and speech/agent services.
@main
struct VoiceGatewaydCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "voicegatewayd",
        abstract: "Bridges Asterisk calls (ARI Stasis app) to speech-to-text, an agent and text-to-speech.",
        discussion: """
            Without --config the embedded default is used (see etc/voicegatewayd.yaml). Every key can be \
            overridden by an environment variable: VOICEGW_ + the key path upper-cased, dots as underscores \
            (http.port -> VOICEGW_HTTP_PORT).
            """,
        subcommands: [RunCommand.self, CheckConfigCommand.self, TalkCommand.self, TokenCommand.self],
        defaultSubcommand: RunCommand.self
    )
}

/// Options shared by the subcommands.
struct ConfigOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "A YAML file overlaid on the embedded default configuration.")
    var config: String?

    /// Loads and validates, printing the error (naming the key) and exiting 78 (EX_CONFIG) when invalid.
    func load(overrides: [String: String] = [:]) throws -> (DaemonConfiguration, warnings: [String]) {
        do {
            let environment = ProcessInfo.processInfo.environment.merging(overrides) { $1 }
            return try DaemonConfiguration.load(file: config, environment: environment)
        } catch {
            FileHandle.standardError.write(Data("voicegatewayd: \(error.description)\n".utf8))
            throw ExitCode(78)
        }
    }
}

/// `voicegatewayd check-config`: validates the configuration without starting.
struct CheckConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config", abstract: "Validate the configuration and exit (0 valid, 78 invalid).")

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let (config, warnings) = try options.load()
        do {
            _ = try await APIKeys.load(hs256Secret: config.apiHS256Secret, publicKeys: config.apiPublicKeys)
        } catch {
            FileHandle.standardError.write(Data("voicegatewayd: invalid configuration: \(error.description)\n".utf8))
            throw ExitCode(78)
        }
        for warning in warnings { print("warning: \(warning)") }
        print("configuration OK: ARI \(config.ari.url) app \(config.ari.app), HTTP \(config.httpHost):\(config.httpPort), "
            + "RTP \(config.rtp.host):\(config.rtp.portRange.lowerBound)-\(config.rtp.portRange.upperBound), "
            + "STT \(config.speech.sttProviders.joined(separator: ">")), TTS \(config.speech.ttsProviders.joined(separator: ">")), events \(config.eventsFile)")
    }
}
