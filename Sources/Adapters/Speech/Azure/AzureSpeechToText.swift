// Azure Speech to text REST API for short audio:
// `POST https://{region}.stt.speech.microsoft.com/speech/recognition/conversation/cognitiveservices/v1?language=en-US&format=simple`
// body WAV (PCM 16 kHz mono), headers `Ocp-Apim-Subscription-Key`, `Content-Type: audio/wav; codecs=audio/pcm;
// samplerate=16000`, `Accept: application/json`; answer `{"RecognitionStatus": "Success" | "NoMatch" |
// "InitialSilenceTimeout" | "BabbleTimeout" | "Error", "DisplayText", "Offset", "Duration"}`.
// Reference: https://learn.microsoft.com/azure/ai-services/speech-service/rest-speech-to-text-short
import AdapterSupport
import AsyncHTTPClient
import Domain
import Logging

/// Speech-to-text through Azure's short-audio REST endpoint (one request per utterance, final only).
public final class AzureSpeechToText: SpeechToText {
    /// Provider settings: `http.baseURL` is `https://{region}.stt.speech.microsoft.com`.
    public struct Configuration: Sendable, Hashable {
        public var http: HTTPProviderSettings
        public init(http: HTTPProviderSettings) { self.http = http }
    }

    public let name: String
    private let configuration: Configuration
    private let http: VendorHTTP

    public init(name: String = "azure", configuration: Configuration, client: HTTPClient = .vendors, logger: Logger) {
        self.name = name
        self.configuration = configuration
        self.http = VendorHTTP(client: client, provider: name, timeout: configuration.http.timeout, logger: logger)
    }

    public func startSession(_ options: TranscriptionOptions) async throws(ProviderError) -> any TranscriptionSession {
        BatchTranscriptionSession(provider: name, sampleRate: options.sampleRate) { samples, rate throws(ProviderError) in
            try await self.transcribe(samples, sampleRate: rate, language: options.language)
        }
    }

    private struct Answer: Decodable {
        let RecognitionStatus: String?
        let DisplayText: String?
    }

    func transcribe(_ samples: [Int16], sampleRate: Int, language: String) async throws(ProviderError) -> Transcript {
        let url = configuration.http.baseURL
            + "/speech/recognition/conversation/cognitiveservices/v1?language=\(language)&format=simple"
        let request = HTTPClientRequest.make(url, method: .POST, headers: [
            ("Ocp-Apim-Subscription-Key", configuration.http.apiKey),
            ("Content-Type", "audio/wav; codecs=audio/pcm; samplerate=\(sampleRate)"),
            ("Accept", "application/json"),
        ], body: WAV.encode(samples, sampleRate: sampleRate))
        let response = try await http.send(request)
        try http.expectContentType(response, ["application/json"])
        let answer = try http.decode(Answer.self, from: try await http.body(of: response))
        switch answer.RecognitionStatus {
        case "Success":
            guard let text = answer.DisplayText else {
                throw http.fail(ProviderError(.badResponse, provider: name, "RecognitionStatus Success without DisplayText"), request: nil)
            }
            return Transcript(text: text, isFinal: true)
        case "NoMatch", "InitialSilenceTimeout", "BabbleTimeout":
            return Transcript(text: "", isFinal: true)
        case let status:
            throw http.fail(ProviderError(.badResponse, provider: name, "RecognitionStatus \(status ?? "missing")"), request: nil)
        }
    }
}
