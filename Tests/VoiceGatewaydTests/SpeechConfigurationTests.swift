import Foundation
import Testing

@testable import VoiceGatewayd

@Suite("Speech configuration")
struct SpeechConfigurationTests {
    func load(_ env: [String: String]) throws(ConfigError) -> DaemonConfiguration {
        var environment = ["VOICEGW_AGENT_SCRIPT": ConfigurationTests.agentScript]
        environment.merge(env) { $1 }
        return try DaemonConfiguration.load(file: nil, environment: environment).0
    }

    @Test func defaultsAreTheEmbeddedEngines() throws {
        let config = try load([:])
        #expect(config.speech.sttProviders == ["pocketsphinx"])
        #expect(config.speech.ttsProviders == ["espeak"])
        #expect(config.speech.policy.sttTimeout == .seconds(5))
        #expect(config.speech.policy.ttsTimeout == .seconds(5))
        #expect(config.speech.settings.openAISTT == nil)
        #expect(config.sttProvider == "pocketsphinx")
        #expect(config.speech.settings.pocketsphinx.minConfidence == 0.1)
        #expect(config.speech.settings.pocketsphinx.noiseFloor == 300)
        let tuned = try load(["VOICEGW_STT_POCKETSPHINX_MIN_CONFIDENCE": "0.3", "VOICEGW_STT_POCKETSPHINX_NOISE_FLOOR": "0"])
        #expect(tuned.speech.settings.pocketsphinx.minConfidence == 0.3)
        #expect(tuned.speech.settings.pocketsphinx.noiseFloor == 0)
    }

    @Test func chainNamingAVendorNeedsItsKeys() throws {
        #expect(throws: ConfigError(key: "stt.deepgram.api_key", message: "must be set (or stt.deepgram.api_key_file, or VOICEGW_STT_DEEPGRAM_API_KEY)")) {
            try load(["VOICEGW_STT_PROVIDERS": "deepgram,pocketsphinx"])
        }
        #expect(throws: ConfigError.self) { try load(["VOICEGW_STT_PROVIDERS": "openai", "VOICEGW_STT_OPENAI_BASE_URL": ""]) }
        #expect(throws: ConfigError(key: "tts.azure.region", message: "must be set (or tts.azure.base_url)")) {
            try load(["VOICEGW_TTS_PROVIDERS": "azure", "VOICEGW_TTS_AZURE_API_KEY": "k"])
        }
        #expect(throws: ConfigError.self) { try load(["VOICEGW_TTS_PROVIDERS": "nonsense"]) }
    }

    @Test func credentialsComeFromFilesOrTheEnvironment() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("voicegw-key-\(UUID().uuidString)")
        try "sk-from-file\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let config = try load([
            "VOICEGW_STT_PROVIDERS": "openai,pocketsphinx", "VOICEGW_STT_OPENAI_API_KEY_FILE": file.path,
            "VOICEGW_TTS_PROVIDERS": "polly,espeak", "VOICEGW_TTS_POLLY_REGION": "eu-west-1",
            "VOICEGW_TTS_POLLY_ACCESS_KEY_ID": "AKID", "VOICEGW_TTS_POLLY_SECRET_ACCESS_KEY": "secret",
        ])
        #expect(config.speech.sttProviders == ["openai", "pocketsphinx"])
        #expect(config.speech.settings.openAISTT?.http.apiKey == "sk-from-file")
        #expect(config.speech.settings.polly?.credentials.secretAccessKey == "secret")
        #expect(config.speech.settings.polly?.region == "eu-west-1")
    }
}
