/// What to synthesize.
public struct SynthesisRequest: Sendable, Hashable {
    public var text: String
    /// Provider-specific voice name; nil for the provider's default.
    public var voice: String?
    /// BCP 47 language (`en-US`).
    public var language: String

    public init(text: String, voice: String? = nil, language: String = "en-US") {
        self.text = text
        self.voice = voice
        self.language = language
    }
}

/// A text-to-speech provider.
public protocol TextToSpeech: Sendable {
    /// The configured provider name, used in events, metrics and logs.
    var name: String { get }

    /// Synthesizes `request` as a stream of PCM16 mono chunks at the provider's own rate (chunks carry
    /// their rate), streaming where the provider streams. The stream throws `ProviderError`.
    func synthesize(_ request: SynthesisRequest) -> AudioStream
}
