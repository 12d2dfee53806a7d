/// How an utterance should be transcribed.
public struct TranscriptionOptions: Sendable, Hashable {
    /// BCP 47 language (`en-US`).
    public var language: String
    /// Words or phrases the caller is expected to say (the agent's intents). Engines that support it
    /// bias or restrict recognition to them.
    public var phrases: [String]
    /// Sample rate of the frames that will be sent (16 kHz inside the daemon).
    public var sampleRate: Int

    public init(language: String = "en-US", phrases: [String] = [], sampleRate: Int = 16_000) {
        self.language = language
        self.phrases = phrases
        self.sampleRate = sampleRate
    }
}

/// A transcription result.
public struct Transcript: Sendable, Hashable {
    public var text: String
    /// False for interim (partial) results.
    public var isFinal: Bool
    /// 0...1 where the provider reports it.
    public var confidence: Double?

    public init(text: String, isFinal: Bool, confidence: Double? = nil) {
        self.text = text
        self.isFinal = isFinal
        self.confidence = confidence
    }
}

/// A speech-to-text provider.
public protocol SpeechToText: Sendable {
    /// The configured provider name, used in events, metrics and logs.
    var name: String { get }

    /// Starts transcribing one utterance. Throws a classified `ProviderError`.
    func startSession(_ options: TranscriptionOptions) async throws(ProviderError) -> any TranscriptionSession
}

/// The transcription of one utterance: frames in, partial and final transcripts out.
///
/// Batch providers collect the frames and make one request in `finish()`; streaming providers send
/// frames as they come and yield partials.
public protocol TranscriptionSession: Sendable {
    /// Interim results (never yields for batch providers). Finishes after `finish()` or `cancel()`.
    var partials: AsyncStream<Transcript> { get }

    /// Adds 20 ms of caller audio.
    func send(_ frame: AudioFrame) async throws(ProviderError)

    /// The caller stopped talking: returns the final transcript (empty text when nothing was understood).
    func finish() async throws(ProviderError) -> Transcript

    /// Abandons the utterance (hangup, barge-in) and releases resources.
    func cancel() async
}
