// Amazon Polly SynthesizeSpeech: `POST https://polly.{region}.amazonaws.com/v1/speech`, JSON
// `{"OutputFormat": "pcm", "SampleRate": "16000", "Text", "TextType": "text", "VoiceId", "Engine"}`, signed
// with SigV4 (service `polly`); the answer is `audio/pcm`, signed 16-bit little-endian mono, streamed.
// Reference: https://docs.aws.amazon.com/polly/latest/dg/API_SynthesizeSpeech.html ("pcm ... returns
// raw audio in signed 16-bit, 1 channel (mono), little-endian format"; SampleRate "8000" or "16000" for pcm).
import AdapterSupport
import AsyncHTTPClient
import Domain
import Foundation
import Logging

/// Text-to-speech through Amazon Polly, streamed as 16 kHz PCM.
public final class PollyTextToSpeech: TextToSpeech {
    /// Provider settings.
    public struct Configuration: Sendable, Hashable {
        public var region: String
        public var credentials: AWSCredentials
        /// Default voice (`Joanna`); a request's voice wins.
        public var voice: String
        /// `standard`, `neural`, `generative`, `long-form`.
        public var engine: String
        /// Override for tests and VPC endpoints; empty for `https://polly.{region}.amazonaws.com`.
        public var endpoint: String
        public var timeout: Duration

        public init(
            region: String, credentials: AWSCredentials, voice: String = "Joanna", engine: String = "neural", endpoint: String = "",
            timeout: Duration = .seconds(10)
        ) {
            self.region = region
            self.credentials = credentials
            self.voice = voice
            self.engine = engine
            self.endpoint = endpoint
            self.timeout = timeout
        }
    }

    public let name: String
    private let configuration: Configuration
    private let http: VendorHTTP
    private let signer: SigV4Signer
    private let probe: SynthesisProbe

    public init(
        name: String = "polly", configuration: Configuration, client: HTTPClient = .vendors, logger: Logger, probe: SynthesisProbe = .init()
    ) {
        self.name = name
        self.configuration = configuration
        self.probe = probe
        self.signer = SigV4Signer(credentials: configuration.credentials, region: configuration.region, service: "polly")
        self.http = VendorHTTP(client: client, provider: name, timeout: configuration.timeout, logger: logger)
    }

    public func synthesize(_ request: SynthesisRequest) -> AudioStream {
        let endpoint = configuration.endpoint.isEmpty ? "https://polly.\(configuration.region).amazonaws.com" : configuration.endpoint
        let url = URL(string: endpoint)
        let host = (url?.host ?? "") + (url?.port.map { ":\($0)" } ?? "")
        let body: [String: String] = [
            "OutputFormat": "pcm", "SampleRate": "16000", "Text": request.text, "TextType": "text",
            "VoiceId": request.voice ?? configuration.voice, "Engine": configuration.engine,
        ]
        let bytes = Array((try? JSONEncoder().encode(body)) ?? Data())
        let headers = [("Content-Type", "application/json")]
        let signed = signer.signedHeaders(method: "POST", host: host, path: "/v1/speech", headers: headers, body: bytes)
        let httpRequest = HTTPClientRequest.make(endpoint + "/v1/speech", method: .POST, headers: headers + signed, body: bytes)
        return StreamingSynthesis.run(http, request: httpRequest, sampleRate: 16_000, contentTypes: ["audio/pcm"], probe: probe)
    }
}
