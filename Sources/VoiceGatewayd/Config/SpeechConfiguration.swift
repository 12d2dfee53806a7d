import AdapterSupport
import Application
import Domain
import Speech

/// The `stt:`, `tts:` and `providers:` sections: the ordered provider chains, each vendor's settings
/// (credentials from the value, a `*_file`, or `VOICEGW_*`), and the chain policy. Validation names the
/// missing key of a provider that a chain lists.
struct SpeechConfiguration: Sendable {
    var sttProviders: [String]
    var ttsProviders: [String]
    var settings: SpeechProviderSettings
    var policy: ProviderChainPolicy
    /// WAV played when every TTS provider failed.
    var fallbackPrompt: String?
    var cacheEntries: Int

    init(_ r: ConfigReader) throws(ConfigError) {
        sttProviders = try Self.chain(r, "stt.providers", known: SpeechProviderCatalog.sttNames)
        ttsProviders = try Self.chain(r, "tts.providers", known: SpeechProviderCatalog.ttsNames)
        var s = SpeechProviderSettings()
        s.pocketsphinx.modelDirectory = try r.nonEmpty("stt.pocketsphinx.model_dir")
        s.pocketsphinx.mode = PocketSphinxSpeechToText.Mode(
            rawValue: try r.oneOf("stt.pocketsphinx.mode", PocketSphinxSpeechToText.Mode.allCases.map(\.rawValue))) ?? .auto
        s.pocketsphinx.minConfidence = try r.number("stt.pocketsphinx.min_confidence", in: 0...1)
        s.pocketsphinx.noiseFloor = try r.number("stt.pocketsphinx.noise_floor", in: 0...3000)
        s.espeak = .init(voice: try r.nonEmpty("tts.espeak.voice"), rate: try r.int("tts.espeak.rate", in: 80...450))
        let stt = Set(sttProviders)
        let tts = Set(ttsProviders)
        let timeout = Duration.seconds(30)
        if stt.contains("openai") {
            s.openAISTT = .init(
                http: try Self.http(r, "stt.openai", timeout: timeout), model: try r.nonEmpty("stt.openai.model"), prompt: try r.string("stt.openai.prompt"))
        }
        if stt.contains("google") {
            s.googleSTT = .init(
                http: try Self.http(r, "stt.google", keyRequired: true, timeout: timeout), bearer: try r.bool("stt.google.bearer"),
                model: try r.nonEmpty("stt.google.model"))
        }
        if stt.contains("azure") {
            s.azureSTT = .init(http: try Self.azure(r, "stt.azure", host: "stt.speech.microsoft.com", timeout: timeout))
        }
        if stt.contains("transcribe") {
            s.transcribe = .init(
                region: try r.nonEmpty("stt.transcribe.region"), credentials: try Self.aws(r, "stt.transcribe"),
                endpoint: try r.string("stt.transcribe.endpoint"))
        }
        if stt.contains("deepgram") {
            s.deepgram = .init(
                baseURL: try r.nonEmpty("stt.deepgram.base_url"), apiKey: try Self.key(r, "stt.deepgram.api_key"),
                model: try r.nonEmpty("stt.deepgram.model"), endpointingMs: try r.int("stt.deepgram.endpointing_ms", in: 10...10_000))
        }
        if tts.contains("openai") {
            s.openAITTS = .init(
                http: try Self.http(r, "tts.openai", timeout: timeout), model: try r.nonEmpty("tts.openai.model"), voice: try r.nonEmpty("tts.openai.voice"))
        }
        if tts.contains("google") {
            s.googleTTS = .init(
                http: try Self.http(r, "tts.google", keyRequired: true, timeout: timeout), bearer: try r.bool("tts.google.bearer"),
                voice: try r.nonEmpty("tts.google.voice"))
        }
        if tts.contains("azure") {
            s.azureTTS = .init(http: try Self.azure(r, "tts.azure", host: "tts.speech.microsoft.com", timeout: timeout), voice: try r.nonEmpty("tts.azure.voice"))
        }
        if tts.contains("polly") {
            s.polly = .init(
                region: try r.nonEmpty("tts.polly.region"), credentials: try Self.aws(r, "tts.polly"), voice: try r.nonEmpty("tts.polly.voice"),
                engine: try r.oneOf("tts.polly.engine", ["standard", "neural", "generative", "long-form"]), endpoint: try r.string("tts.polly.endpoint"))
        }
        if tts.contains("elevenlabs") {
            s.elevenLabs = .init(
                http: try Self.http(r, "tts.elevenlabs", keyRequired: true, timeout: timeout), voice: try r.nonEmpty("tts.elevenlabs.voice"),
                model: try r.nonEmpty("tts.elevenlabs.model"))
        }
        settings = s
        policy = ProviderChainPolicy(
            sttTimeout: try r.milliseconds("providers.stt_timeout_ms", in: 100...120_000),
            ttsTimeout: try r.milliseconds("providers.tts_timeout_ms", in: 100...120_000),
            retry: RetryPolicy(retries: try r.int("providers.retries", in: 0...5), initialBackoff: try r.milliseconds("providers.backoff_ms", in: 0...10_000)),
            breaker: .init(
                failureThreshold: try r.int("providers.breaker_failures", in: 1...1000),
                openDuration: try r.milliseconds("providers.breaker_open_ms", in: 100...3_600_000)))
        let prompt = try r.string("tts.fallback_prompt")
        fallbackPrompt = prompt.isEmpty ? nil : try r.existingFile("tts.fallback_prompt")
        cacheEntries = try r.int("tts.cache_entries", in: 0...100_000)
    }

    /// A non-empty list of known provider names without repeats.
    private static func chain(_ r: ConfigReader, _ key: String, known: [String]) throws(ConfigError) -> [String] {
        let names = try r.string(key).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !names.isEmpty else { throw ConfigError(key: key, message: "must name at least one provider") }
        for name in names where !known.contains(name) {
            throw ConfigError(key: key, message: "unknown provider '\(name)' (known: \(known.joined(separator: ", ")))")
        }
        guard Set(names).count == names.count else { throw ConfigError(key: key, message: "names a provider twice") }
        return names
    }

    static func key(_ r: ConfigReader, _ key: String) throws(ConfigError) -> String {
        let value = try r.secret(key)
        guard !value.isEmpty else { throw ConfigError(key: key, message: "must be set (or \(key)_file, or \(ConfigTree.environmentName(for: key)))") }
        return value
    }

    static func http(_ r: ConfigReader, _ section: String, keyRequired: Bool = false, timeout: Duration) throws(ConfigError) -> HTTPProviderSettings {
        let base = try r.url("\(section).base_url", schemes: ["http", "https"]).absoluteString
        let apiKey = keyRequired ? try key(r, "\(section).api_key") : try r.secret("\(section).api_key")
        return HTTPProviderSettings(baseURL: base, apiKey: apiKey, timeout: timeout)
    }

    private static func azure(_ r: ConfigReader, _ section: String, host: String, timeout: Duration) throws(ConfigError) -> HTTPProviderSettings {
        var base = try r.string("\(section).base_url")
        if base.isEmpty {
            let region = try r.string("\(section).region")
            guard !region.isEmpty else { throw ConfigError(key: "\(section).region", message: "must be set (or \(section).base_url)") }
            base = "https://\(region).\(host)"
        }
        return HTTPProviderSettings(baseURL: base, apiKey: try key(r, "\(section).api_key"), timeout: timeout)
    }

    private static func aws(_ r: ConfigReader, _ section: String) throws(ConfigError) -> AWSCredentials {
        AWSCredentials(
            accessKeyID: try r.nonEmpty("\(section).access_key_id"), secretAccessKey: try key(r, "\(section).secret_access_key"),
            sessionToken: try r.secret("\(section).session_token"))
    }
}
