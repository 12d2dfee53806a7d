import Domain
import Logging
import Speech

/// The speech engines the configuration names.
struct SpeechProviders: Sendable {
    let stt: any SpeechToText
    let tts: any TextToSpeech

    /// Builds the configured STT and TTS (`sttName`/`ttsName` override the configuration, for `talk`),
    /// loading embedded models now so a missing model fails at start rather than on the first call.
    static func make(config: DaemonConfiguration, logger: Logger, sttName: String? = nil, ttsName: String? = nil) async throws -> SpeechProviders {
        let stt: any SpeechToText
        switch sttName ?? config.sttProvider {
        case "pocketsphinx":
            var settings = PocketSphinxSpeechToText.Configuration()
            settings.modelDirectory = config.pocketsphinxModelDir
            settings.mode = PocketSphinxSpeechToText.Mode(rawValue: config.pocketsphinxMode) ?? .auto
            let engine = PocketSphinxSpeechToText(configuration: settings, logger: logger)
            try await engine.warmUp()
            stt = engine
        case let other:
            throw ConfigError(key: "stt.provider", message: "unknown provider '\(other)' (pocketsphinx)")
        }
        let tts: any TextToSpeech
        switch ttsName ?? config.ttsProvider {
        case "espeak":
            tts = EspeakTextToSpeech(configuration: .init(voice: config.espeakVoice, rate: config.espeakRate), logger: logger)
        case let other:
            throw ConfigError(key: "tts.provider", message: "unknown provider '\(other)' (espeak)")
        }
        return SpeechProviders(stt: stt, tts: tts)
    }
}
