import Domain
import Logging
import Synchronization

/// Embedded speech-to-text through libpocketsphinx (offline) with the Debian en-us model.
///
/// Open-vocabulary recognition with the en-us n-gram model is poor on telephone audio, so the default
/// (`auto` with phrases) recognises a grammar: the agent's expected phrases plus a few common filler
/// words that absorb the rest of the sentence. Measured on espeak-ng speech through an 8 kHz round trip,
/// "I want to check my balance" decodes as "i a want a to a the my balance" (the keyword survives);
/// larger filler vocabularies started to swallow the keywords, and keyword spotting (`kws`) gave false
/// hits, so grammar mode is what `auto` picks. Each utterance is decoded whole (batch), ~50 ms for 2 s.
public final class PocketSphinxSpeechToText: SpeechToText {
    /// How to recognise.
    public enum Mode: String, Sendable, Hashable, CaseIterable {
        /// Grammar mode when the agent gives phrases, else open vocabulary.
        case auto
        /// Phrases plus filler words (JSGF).
        case grammar
        /// Keyword spotting of the phrases.
        case keyphrase
        /// The en-us n-gram language model.
        case open
    }

    /// Engine settings.
    public struct Configuration: Sendable, Hashable {
        public var modelDirectory: String = "/usr/share/pocketsphinx/model/en-us"
        public var mode: Mode = .auto
        /// Words that may appear around the phrases in grammar mode.
        public var fillerWords: [String] = ["i", "a", "want", "to", "check", "my", "the", "what", "is"]
        /// Keyword-spotting threshold in keyphrase mode.
        public var keyphraseThreshold: String = "1e-20"
        /// Idle decoders kept loaded.
        public var maxIdleDecoders: Int = 4
        public init() {}
    }

    public let name: String
    private let configuration: Configuration
    private let pool: SphinxDecoderPool
    private let logger: Logger

    public init(name: String = "pocketsphinx", configuration: Configuration = .init(), logger: Logger) {
        self.name = name
        self.configuration = configuration
        self.logger = logger
        self.pool = SphinxDecoderPool(modelDirectory: configuration.modelDirectory, maxIdle: configuration.maxIdleDecoders)
    }

    /// Loads a decoder now (at start-up) instead of on the first utterance. Throws if the model is missing.
    public func warmUp() async throws(ProviderError) {
        do { try await pool.warmUp(languageModel: configuration.mode == .open) } catch {
            throw ProviderError(.unavailable, provider: name, "\(error)")
        }
    }

    public func startSession(_ options: TranscriptionOptions) async throws(ProviderError) -> any TranscriptionSession {
        guard options.sampleRate == 16_000 else {
            throw ProviderError(.badRequest, provider: name, "pocketsphinx en-us needs 16 kHz audio, got \(options.sampleRate) Hz")
        }
        return PocketSphinxSession(recognizer: self, phrases: options.phrases)
    }

    /// Decodes one utterance with the search that `phrases` and the mode call for.
    func transcribe(_ samples: [Int16], phrases: [String]) async throws(ProviderError) -> Transcript {
        guard samples.count >= 1600 else { return Transcript(text: "", isFinal: true) }  // < 100 ms
        let mode = resolvedMode(phrases: phrases)
        let configuration = configuration
        let logger = logger
        do {
            let text = try await pool.withDecoder(languageModel: mode == .open) { decoder in
                let search = try SearchBuilder.search(mode: mode, phrases: phrases, configuration: configuration, decoder: decoder, logger: logger)
                try decoder.activate(search)
                return try decoder.decode(samples)
            }
            return Transcript(text: text, isFinal: true)
        } catch {
            throw ProviderError(.unavailable, provider: name, "\(error)")
        }
    }

    private func resolvedMode(phrases: [String]) -> Mode {
        switch configuration.mode {
        case .auto: phrases.isEmpty ? .open : .grammar
        case .grammar, .keyphrase: phrases.isEmpty ? .open : configuration.mode
        case .open: .open
        }
    }
}

/// One utterance: collects frames, decodes them whole in `finish()`.
final class PocketSphinxSession: TranscriptionSession {
    private let recognizer: PocketSphinxSpeechToText
    private let phrases: [String]
    private let samples = Mutex<[Int16]>([])
    let partials = AsyncStream<Transcript> { $0.finish() }

    init(recognizer: PocketSphinxSpeechToText, phrases: [String]) {
        self.recognizer = recognizer
        self.phrases = phrases
        samples.withLock { $0.reserveCapacity(16_000 * 4) }
    }

    func send(_ frame: AudioFrame) async throws(ProviderError) {
        guard frame.sampleRate == 16_000 else {
            throw ProviderError(.badRequest, provider: recognizer.name, "frame at \(frame.sampleRate) Hz, expected 16000")
        }
        samples.withLock { $0.append(contentsOf: frame.samples) }
    }

    func finish() async throws(ProviderError) -> Transcript {
        let audio = samples.withLock { current in
            defer { current = [] }
            return current
        }
        return try await recognizer.transcribe(audio, phrases: phrases)
    }

    func cancel() async {
        samples.withLock { $0 = [] }
    }
}
