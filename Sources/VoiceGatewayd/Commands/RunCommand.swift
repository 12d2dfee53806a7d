import ArgumentParser

/// `voicegatewayd run`: runs the daemon (the default subcommand).
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run the daemon (default).")
    @OptionGroup var options: ConfigOptions
    func run() async throws { _ = try options.load() }
}

/// `voicegatewayd talk`: runs one conversation on a WAV file.
struct TalkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "talk", abstract: "Talk to the agent through WAV files.")
    @OptionGroup var options: ConfigOptions
    func run() async throws { _ = try options.load() }
}
