import Application
import Domain
import Logging
import Metrics
import Speech

/// The speech providers the configuration names: every provider of the `stt.providers` and
/// `tts.providers` chains, and the router that gives each call its tenant's chains (timeouts, retries,
/// circuit breakers, failover, the TTS cache and the fallback prompt).
struct SpeechProviders: Sendable {
    /// The first provider of each default chain (for logs and the call document).
    let stt: any SpeechToText
    let tts: any TextToSpeech
    let router: SpeechProviderRouter

    /// Builds the providers and loads embedded models now, so a missing model fails at start rather
    /// than on the first call. Throws `ConfigError` naming the key at fault.
    static func make(config: DaemonConfiguration, metrics: any MetricsFactory, clock: any Domain.Clock, logger: Logger) async throws -> SpeechProviders {
        let speech = config.speech
        let stt: [any SpeechToText]
        let tts: [any TextToSpeech]
        do {
            stt = try SpeechProviderCatalog.speechToText(named: speech.sttProviders, settings: speech.settings, logger: logger)
        } catch { throw ConfigError(key: "stt.providers", message: error.description) }
        do {
            tts = try SpeechProviderCatalog.textToSpeech(named: speech.ttsProviders, settings: speech.settings, logger: logger)
        } catch { throw ConfigError(key: "tts.providers", message: error.description) }
        // The configured WAV, else the line shipped in the binary: never silence when TTS is down.
        var prompt = ShippedFallbackPrompt.audio
        if let path = speech.fallbackPrompt {
            do { prompt = try SpeechProviderCatalog.loadPrompt(path: path) } catch {
                throw ConfigError(key: "tts.fallback_prompt", message: error.description)
            }
        }
        for engine in stt {
            if let embedded = engine as? PocketSphinxSpeechToText { try await embedded.warmUp() }
        }
        let router = SpeechProviderRouter(
            stt: stt, tts: tts,
            configuration: .init(
                defaultSTT: speech.sttProviders, defaultTTS: speech.ttsProviders, policy: speech.policy,
                fallbackPrompt: prompt, cacheEntries: speech.cacheEntries),
            metrics: ProviderMetrics(factory: metrics), clock: clock, logger: logger)
        return SpeechProviders(stt: stt[0], tts: tts[0], router: router)
    }
}
