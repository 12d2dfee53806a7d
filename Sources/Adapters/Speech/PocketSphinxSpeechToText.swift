import Domain
import Logging
import Synchronization

/// Embedded speech-to-text through libpocketsphinx (offline) with the Debian en-us model.
///
/// Open-vocabulary recognition with the en-us n-gram model is poor on telephone audio, so the default
/// (`auto` with phrases) recognises a closed grammar: the sentences the agent expects (its intents'
/// examples and keywords), one word chain each. A grammar always returns its best sentence, so each
/// result is scored against a free phone loop (`PhoneLoop`): the margin per 10 ms frame becomes the
/// transcript's confidence, and a result below `minConfidence` comes back empty (the conversation
/// re-prompts) instead of being acted on. A faint noise floor is mixed in before decoding: without it the
/// model's silence swallows quiet speech on G.711 ("balance" heard as "bye <sil>"). Measured on espeak-ng
/// voices over ulaw and alaw (Tests/Fixtures/speech/phone): see docs/speech.md. Each utterance is decoded
/// whole (batch), twice (grammar, phone loop), about 0.1 x real time.
public final class PocketSphinxSpeechToText: SpeechToText {
    /// How to recognise.
    public enum Mode: String, Sendable, Hashable, CaseIterable {
        /// Grammar mode when the agent gives phrases, else open vocabulary.
        case auto
        /// The phrases as a closed grammar, scored against a phone loop.
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
        /// Grammar results with a lower confidence (see `confidence(margin:)`) are returned empty: the
        /// default keeps everything the grammar explains no more than 1 log unit per frame worse than
        /// free phones (chosen on a development set of voices, docs/speech.md).
        public var minConfidence: Double = 0.1
        /// RMS of the white-noise floor mixed into each utterance before decoding (0: none).
        public var noiseFloor: Double = 300
        /// Keyword-spotting threshold in keyphrase mode.
        public var keyphraseThreshold: String = "1e-20"
        /// Idle decoders kept loaded.
        public var maxIdleDecoders: Int = 4
        public init() {}
    }

    /// A grammar margin (log units per 10 ms frame over the phone loop) as a confidence in 0...1: linear
    /// from -2 (0) to 8 (1). On the development voices no wrong sentence scored above 4.6 (0.66) and 97%
    /// of the right ones scored above -1 (0.1): the shipped script asks before acting below 0.75.
    static func confidence(margin: Double) -> Double {
        min(1, max(0, (margin + 2) / 10))
    }

    public let name: String
    private let configuration: Configuration
    private let pool: SphinxDecoderPool
    private let logger: Logger

    public convenience init(name: String = "pocketsphinx", configuration: Configuration = .init(), logger: Logger) {
        self.init(name: name, configuration: configuration, workers: .shared, logger: logger)
    }

    /// A recogniser decoding on `workers` instead of the process's shared decode threads.
    init(name: String = "pocketsphinx", configuration: Configuration = .init(), workers: DecodeWorkers, logger: Logger) {
        self.name = name
        self.configuration = configuration
        self.logger = logger
        self.pool = SphinxDecoderPool(modelDirectory: configuration.modelDirectory, maxIdle: configuration.maxIdleDecoders, workers: workers)
    }

    /// Loads a decoder now (at start-up) instead of on the first utterance. Throws if the model is missing.
    public func warmUp() async throws(ProviderError) {
        do { try await pool.warmUp(configuration.mode == .open ? [.languageModel] : [.grammar, .phoneLoop]) } catch {
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
        let audio = NoiseFloor.mixed(into: samples, rms: configuration.noiseFloor)
        do {
            let (search, heard) = try await pool.withDecoder(mode == .open ? .languageModel : .grammar) { decoder in
                let search = try SearchBuilder.search(mode: mode, phrases: phrases, configuration: configuration, decoder: decoder, logger: logger)
                try decoder.activate(search)
                return (search, try decoder.decode(audio))
            }
            guard case .grammar = search.kind else { return Transcript(text: heard.text, isFinal: true) }
            let loop = try await pool.withDecoder(.phoneLoop) { decoder in
                try decoder.activate(Search(name: PhoneLoop.searchName, kind: .grammar(PhoneLoop.fsg)))
                return try decoder.decode(audio)
            }
            let margin = PhoneLoop.margin(grammar: heard, loop: loop)
            let confidence = margin.map(Self.confidence(margin:)) ?? 0
            let sure = margin != nil && confidence >= configuration.minConfidence
            logger.debug("pocketsphinx grammar result", metadata: [
                "stt.hypothesis": "\(heard.text)", "stt.margin": "\(margin.map { "\($0)" } ?? "-")", "stt.accepted": "\(sure)"])
            return Transcript(text: sure ? heard.text : "", isFinal: true, confidence: confidence)
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
