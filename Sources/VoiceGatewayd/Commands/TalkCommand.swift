import Application
import ArgumentParser
import Domain
import Foundation
import Logging
import Media
import Metrics

/// `voicegatewayd talk`: one conversation on WAV files, through the same Application pipeline as a call
/// (VAD endpointing, STT, agent, TTS), with a file-backed media session instead of Asterisk.
struct TalkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "talk",
        abstract: "Talk to the agent through WAV files (no Asterisk).",
        discussion: """
            Plays the greeting, then feeds the caller's WAV (any rate, mono PCM16) as if it were a call, and
            writes everything the daemon said to --out (16 kHz mono). Prints the transcript and the events.
            """)

    @OptionGroup var options: ConfigOptions

    @Option(name: .customLong("in"), help: "The caller's audio: a mono 16-bit PCM WAV file at any rate.")
    var input: String

    @Option(name: .customLong("out"), help: "Where to write what the daemon said (16 kHz mono WAV).")
    var output: String

    @Option(help: "The speech-to-text provider to use instead of the configured chain (pocketsphinx, openai, google, azure, transcribe, deepgram).")
    var stt: String?

    @Option(help: "The text-to-speech provider to use instead of the configured chain (espeak, openai, google, azure, polly, elevenlabs).")
    var tts: String?

    @Flag(help: "Feed the input as fast as possible instead of in real time.")
    var fast = false

    func run() async throws {
        // A named provider replaces the configured chain, so its settings are validated like any chain's.
        var overrides: [String: String] = [:]
        if let stt { overrides["VOICEGW_STT_PROVIDERS"] = stt }
        if let tts { overrides["VOICEGW_TTS_PROVIDERS"] = tts }
        let (config, _) = try options.load(overrides: overrides)
        let logger = LogBootstrap.configure(level: config.logLevel == .info ? .warning : config.logLevel, json: config.jsonLogs)
        let wav: WAVFile
        do {
            wav = try WAVFile(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: input))))
        } catch {
            throw ValidationError("--in \(input): \(error)")
        }
        let speech: SpeechProviders
        let agent: any Agent
        do {
            speech = try await SpeechProviders.make(config: config, metrics: NOOPMetricsHandler.instance, clock: SystemClock(), logger: logger)
            agent = try AgentLoader.scripted(path: config.agentScript)
        } catch let error as ConfigError {
            FileHandle.standardError.write(Data("voicegatewayd: \(error.description)\n".utf8))
            throw ExitCode(78)
        }
        var mediaOptions = FileMediaSession.Options()
        mediaOptions.realTime = !fast
        let media = FileMediaSession(input: wav, outputPath: output, options: mediaOptions)
        let ending = try await Talk.run(media: media, speech: speech, agent: agent, config: config, logger: logger)
        print("ended: \(ending)")
        await media.close()  // idempotent: makes sure the output was written
        if let problem = media.writeError {
            FileHandle.standardError.write(Data("voicegatewayd: cannot write --out \(output): \(problem)\n".utf8))
            throw ExitCode(73)  // EX_CANTCREAT
        }
        print("wrote \(output)")
    }
}

/// The conversation behind `talk`.
enum Talk {
    static func run(
        media: FileMediaSession, speech: SpeechProviders, agent: any Agent, config: DaemonConfiguration, logger: Logger
    ) async throws -> ConversationManager.Ending {
        let clock = SystemClock()
        let callID = CallID.random()
        let conversationID = ConversationID.random()
        let context = AgentContext(callID: callID, conversationID: conversationID, tenantID: "talk", language: config.defaultLanguage)
        let conversation = try await agent.startConversation(context)
        let recorder = CallEventRecorder(
            identity: .init(tenantID: "talk", callID: callID, conversationID: conversationID, instanceID: config.instanceID),
            publisher: PrintingEventPublisher(), clock: clock, logger: logger)
        let log = ConversationLog(id: conversationID, callID: callID)
        var settings = config.conversation
        settings.language = config.defaultLanguage
        let metrics = VoiceMetrics(factory: NOOPMetricsHandler.instance)
        let tenant = TenantSettings(
            id: "talk", language: config.defaultLanguage, sttProviders: config.speech.sttProviders, ttsProviders: config.speech.ttsProviders)
        let (stt, tts) = speech.router.providers(for: tenant, settings: &settings, recorder: recorder, metrics: metrics)
        let manager = ConversationManager(
            media: media, stt: stt, tts: tts, agent: conversation, recorder: recorder, log: log,
            metrics: metrics, configuration: settings, clock: clock, logger: logger)
        async let delivered: Void = recorder.run()
        let ending = await manager.run(digits: AsyncStream { $0.finish() })
        await media.close()
        await conversation.end()
        recorder.finish()
        await delivered
        print("transcript:")
        for turn in log.snapshot.turns {
            print("  \(turn.speaker.rawValue): \(turn.text)\(turn.dtmf.map { " [dtmf \($0)]" } ?? "")\(turn.interrupted ? " (interrupted)" : "")")
        }
        return ending
    }
}

/// Prints each event as one JSON line on standard output.
struct PrintingEventPublisher: EventPublisher {
    func publish(_ event: CallEvent) async throws(ProviderError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(event) else { return }
        print("event: " + String(decoding: data, as: UTF8.self))
    }

    func flush() async {}
}
