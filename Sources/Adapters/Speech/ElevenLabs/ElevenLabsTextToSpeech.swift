// ElevenLabs stream speech: `POST {base}/v1/text-to-speech/{voice_id}/stream?output_format=pcm_16000`,
// header `xi-api-key`, JSON `{"text", "model_id"}`; the answer streams raw PCM16 LE at 16 kHz.
// Reference: https://elevenlabs.io/docs/api-reference/text-to-speech/stream (output_format is
// codec_samplerate, `pcm_16000` = PCM 16 kHz).
import AdapterSupport
import AsyncHTTPClient
import Domain
import Foundation
import Logging

/// Text-to-speech through ElevenLabs' streaming endpoint.
public final class ElevenLabsTextToSpeech: TextToSpeech {
    /// Provider settings.
    public struct Configuration: Sendable, Hashable {
        /// `https://api.elevenlabs.io`.
        public var http: HTTPProviderSettings
        /// Default voice id; a request's voice wins.
        public var voice: String
        public var model: String

        public init(http: HTTPProviderSettings, voice: String, model: String = "eleven_flash_v2_5") {
            self.http = http
            self.voice = voice
            self.model = model
        }
    }

    public let name: String
    private let configuration: Configuration
    private let http: VendorHTTP
    private let probe: SynthesisProbe

    public init(
        name: String = "elevenlabs", configuration: Configuration, client: HTTPClient = .vendors, logger: Logger,
        probe: SynthesisProbe = .init()
    ) {
        self.name = name
        self.configuration = configuration
        self.probe = probe
        self.http = VendorHTTP(client: client, provider: name, timeout: configuration.http.timeout, logger: logger)
    }

    public func synthesize(_ request: SynthesisRequest) -> AudioStream {
        let voice = (request.voice ?? configuration.voice).addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? ""
        let body = ["text": request.text, "model_id": configuration.model]
        let httpRequest = HTTPClientRequest.make(
            configuration.http.baseURL + "/v1/text-to-speech/\(voice)/stream?output_format=pcm_16000", method: .POST,
            headers: [("xi-api-key", configuration.http.apiKey), ("Content-Type", "application/json")],
            body: Array((try? JSONEncoder().encode(body)) ?? Data()))
        return StreamingSynthesis.run(
            http, request: httpRequest, sampleRate: 16_000, contentTypes: ["audio/", "application/octet-stream"], probe: probe)
    }
}
