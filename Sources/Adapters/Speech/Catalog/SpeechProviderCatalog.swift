import AdapterSupport
import AsyncHTTPClient
import Domain
import Foundation
import Logging

/// Builds speech providers by their configured names (`stt.providers`, `tts.providers`, `talk --stt NAME`).
public enum SpeechProviderCatalog {
    /// Speech-to-text provider names.
    public static let sttNames = ["pocketsphinx", "openai", "google", "azure", "transcribe", "deepgram"]
    /// Text-to-speech provider names.
    public static let ttsNames = ["espeak", "openai", "google", "azure", "polly", "elevenlabs"]

    /// What went wrong building a provider.
    public struct Failure: Error, CustomStringConvertible, Equatable {
        public let description: String
    }

    /// The STT provider `name`, built from `settings`.
    public static func speechToText(
        named name: String, settings: SpeechProviderSettings, client: HTTPClient = .vendors, logger: Logger
    ) throws(Failure) -> any SpeechToText {
        let logger = logger.with(provider: name)
        switch name {
        case "pocketsphinx": return PocketSphinxSpeechToText(configuration: settings.pocketsphinx, logger: logger)
        case "openai": return OpenAISpeechToText(configuration: try need(settings.openAISTT, "stt.openai"), client: client, logger: logger)
        case "google": return GoogleSpeechToText(configuration: try need(settings.googleSTT, "stt.google"), client: client, logger: logger)
        case "azure": return AzureSpeechToText(configuration: try need(settings.azureSTT, "stt.azure"), client: client, logger: logger)
        case "transcribe": return TranscribeSpeechToText(configuration: try need(settings.transcribe, "stt.transcribe"), logger: logger)
        case "deepgram": return DeepgramSpeechToText(configuration: try need(settings.deepgram, "stt.deepgram"), logger: logger)
        default: throw Failure(description: "unknown speech-to-text provider '\(name)' (known: \(sttNames.joined(separator: ", ")))")
        }
    }

    /// The TTS provider `name`, built from `settings`.
    public static func textToSpeech(
        named name: String, settings: SpeechProviderSettings, client: HTTPClient = .vendors, logger: Logger
    ) throws(Failure) -> any TextToSpeech {
        let logger = logger.with(provider: name)
        switch name {
        case "espeak": return EspeakTextToSpeech(configuration: settings.espeak, logger: logger)
        case "openai": return OpenAITextToSpeech(configuration: try need(settings.openAITTS, "tts.openai"), client: client, logger: logger)
        case "google": return GoogleTextToSpeech(configuration: try need(settings.googleTTS, "tts.google"), client: client, logger: logger)
        case "azure": return AzureTextToSpeech(configuration: try need(settings.azureTTS, "tts.azure"), client: client, logger: logger)
        case "polly": return PollyTextToSpeech(configuration: try need(settings.polly, "tts.polly"), client: client, logger: logger)
        case "elevenlabs": return ElevenLabsTextToSpeech(configuration: try need(settings.elevenLabs, "tts.elevenlabs"), client: client, logger: logger)
        default: throw Failure(description: "unknown text-to-speech provider '\(name)' (known: \(ttsNames.joined(separator: ", ")))")
        }
    }

    /// Every provider named in `names`, in order.
    public static func speechToText(named names: [String], settings: SpeechProviderSettings, logger: Logger) throws(Failure) -> [any SpeechToText] {
        var out: [any SpeechToText] = []
        for name in names { out.append(try speechToText(named: name, settings: settings, logger: logger)) }
        return out
    }

    /// Every provider named in `names`, in order.
    public static func textToSpeech(named names: [String], settings: SpeechProviderSettings, logger: Logger) throws(Failure) -> [any TextToSpeech] {
        var out: [any TextToSpeech] = []
        for name in names { out.append(try textToSpeech(named: name, settings: settings, logger: logger)) }
        return out
    }

    /// Loads the pre-recorded fallback prompt (a PCM16 WAV file).
    public static func loadPrompt(path: String) throws(Failure) -> AudioFrame {
        guard let data = FileManager.default.contents(atPath: path) else { throw Failure(description: "cannot read \(path)") }
        do { return try WAV.decode(Array(data)) } catch { throw Failure(description: "\(path): \(error)") }
    }

    private static func need<T>(_ value: T?, _ section: String) throws(Failure) -> T {
        guard let value else { throw Failure(description: "provider named but \(section) is not configured") }
        return value
    }
}

extension Logger {
    func with(provider: String) -> Logger {
        var copy = self
        copy[metadataKey: "provider"] = "\(provider)"
        return copy
    }
}
