// OpenAI-compatible speech: `POST {base_url}/v1/audio/speech` JSON `{"model", "input", "voice",
// "response_format": "pcm"}`; the answer streams raw 24 kHz 16-bit signed little-endian mono PCM
// (no header); auth `Authorization: Bearer KEY`.
// Reference: https://platform.openai.com/docs/api-reference/audio/createSpeech (response_format `pcm`:
// "raw samples in 24kHz (16-bit signed, low-endian), without the header"; cf. xsai stream-speech, which
// plays it as Int16 at 24000 Hz).
import AdapterSupport
import AsyncHTTPClient
import Domain
import Foundation
import Logging

/// Text-to-speech through an OpenAI-compatible `/v1/audio/speech` endpoint, streamed.
public final class OpenAITextToSpeech: TextToSpeech {
    /// Provider settings.
    public struct Configuration: Sendable, Hashable {
        public var http: HTTPProviderSettings
        public var model: String
        /// Default voice (`alloy`); a request's voice wins.
        public var voice: String

        public init(http: HTTPProviderSettings, model: String = "gpt-4o-mini-tts", voice: String = "alloy") {
            self.http = http
            self.model = model
            self.voice = voice
        }
    }

    /// The rate of `pcm` answers.
    public static let sampleRate = 24_000

    public let name: String
    private let configuration: Configuration
    private let http: VendorHTTP
    private let probe: SynthesisProbe

    /// `probe` measures adapter overhead (first byte -> first frame) in benchmarks.
    public init(
        name: String = "openai", configuration: Configuration, client: HTTPClient = .vendors, logger: Logger, probe: SynthesisProbe = .init()
    ) {
        self.name = name
        self.probe = probe
        self.configuration = configuration
        self.http = VendorHTTP(client: client, provider: name, timeout: configuration.http.timeout, logger: logger)
    }

    public func synthesize(_ request: SynthesisRequest) -> AudioStream {
        let body: [String: String] = [
            "model": configuration.model, "input": request.text, "voice": request.voice ?? configuration.voice, "response_format": "pcm",
        ]
        var headers = [("Content-Type", "application/json")]
        if !configuration.http.apiKey.isEmpty { headers.append(("Authorization", "Bearer \(configuration.http.apiKey)")) }
        let httpRequest = HTTPClientRequest.make(
            configuration.http.baseURL + "/v1/audio/speech", method: .POST, headers: headers,
            body: Array((try? JSONEncoder().encode(body)) ?? Data()))
        return StreamingSynthesis.run(
            http, request: httpRequest, sampleRate: Self.sampleRate,
            contentTypes: ["audio/pcm", "audio/l16", "application/octet-stream", "audio/raw"], probe: probe)
    }
}
