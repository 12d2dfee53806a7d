/// The settings of every speech provider the daemon may build, as the composition root reads them from
/// the `stt:` and `tts:` sections. A vendor left nil is not configured (naming it is a config error).
public struct SpeechProviderSettings: Sendable {
    public var pocketsphinx = PocketSphinxSpeechToText.Configuration()
    public var espeak = EspeakTextToSpeech.Configuration()
    public var openAISTT: OpenAISpeechToText.Configuration?
    public var googleSTT: GoogleSpeechToText.Configuration?
    public var azureSTT: AzureSpeechToText.Configuration?
    public var transcribe: TranscribeSpeechToText.Configuration?
    public var deepgram: DeepgramSpeechToText.Configuration?
    public var openAITTS: OpenAITextToSpeech.Configuration?
    public var googleTTS: GoogleTextToSpeech.Configuration?
    public var azureTTS: AzureTextToSpeech.Configuration?
    public var polly: PollyTextToSpeech.Configuration?
    public var elevenLabs: ElevenLabsTextToSpeech.Configuration?

    public init() {}
}
