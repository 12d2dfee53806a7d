// Azure Text to speech REST API: `POST https://{region}.tts.speech.microsoft.com/cognitiveservices/v1`,
// headers `Ocp-Apim-Subscription-Key`, `Content-Type: application/ssml+xml`,
// `X-Microsoft-OutputFormat: raw-16khz-16bit-mono-pcm`, `User-Agent`; body SSML `<speak version='1.0'
// xml:lang='en-US'><voice name='en-US-AvaMultilingualNeural'>text</voice></speak>`; the answer is the raw
// PCM, streamed (chunked).
// Reference: https://learn.microsoft.com/azure/ai-services/speech-service/rest-text-to-speech
import AdapterSupport
import AsyncHTTPClient
import Domain
import Logging

/// Text-to-speech through Azure's REST endpoint, streamed as raw 16 kHz PCM.
public final class AzureTextToSpeech: TextToSpeech {
    /// Provider settings: `http.baseURL` is `https://{region}.tts.speech.microsoft.com`.
    public struct Configuration: Sendable, Hashable {
        public var http: HTTPProviderSettings
        public var voice: String
        public init(http: HTTPProviderSettings, voice: String = "en-US-AvaMultilingualNeural") {
            self.http = http
            self.voice = voice
        }
    }

    public let name: String
    private let configuration: Configuration
    private let http: VendorHTTP
    private let probe: SynthesisProbe

    public init(
        name: String = "azure", configuration: Configuration, client: HTTPClient = .vendors, logger: Logger, probe: SynthesisProbe = .init()
    ) {
        self.name = name
        self.configuration = configuration
        self.probe = probe
        self.http = VendorHTTP(client: client, provider: name, timeout: configuration.http.timeout, logger: logger)
    }

    /// The SSML document for `request`.
    static func ssml(_ request: SynthesisRequest, defaultVoice: String) -> String {
        func escape(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "'", with: "&apos;")
                .replacingOccurrences(of: "\"", with: "&quot;")
        }
        return "<speak version='1.0' xml:lang='\(escape(request.language))'><voice name='\(escape(request.voice ?? defaultVoice))'>"
            + escape(request.text) + "</voice></speak>"
    }

    public func synthesize(_ request: SynthesisRequest) -> AudioStream {
        let httpRequest = HTTPClientRequest.make(configuration.http.baseURL + "/cognitiveservices/v1", method: .POST, headers: [
            ("Ocp-Apim-Subscription-Key", configuration.http.apiKey),
            ("Content-Type", "application/ssml+xml"),
            ("X-Microsoft-OutputFormat", "raw-16khz-16bit-mono-pcm"),
            ("User-Agent", "voicegatewayd"),
        ], body: Array(Self.ssml(request, defaultVoice: configuration.voice).utf8))
        return StreamingSynthesis.run(http, request: httpRequest, sampleRate: 16_000, contentTypes: ["audio/"], probe: probe)
    }
}
