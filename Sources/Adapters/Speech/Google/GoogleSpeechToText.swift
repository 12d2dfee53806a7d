// Google Cloud Speech-to-Text v1: `POST https://speech.googleapis.com/v1/speech:recognize[?key=API_KEY]`
// JSON `{"config": {"encoding": "LINEAR16", "sampleRateHertz", "languageCode", "speechContexts":
// [{"phrases": [...]}]}, "audio": {"content": base64}}` (headerless PCM16 LE); answer `{"results":
// [{"alternatives": [{"transcript", "confidence"}]}]}`, or `{}` when nothing was recognised. Auth: API key
// in `key=` or `Authorization: Bearer TOKEN`.
// Reference: https://cloud.google.com/speech-to-text/docs/reference/rest/v1/speech/recognize and
// https://docs.cloud.google.com/speech-to-text/docs/reference/rest/v1/RecognitionAudio ("JSON
// representations use base64"); LINEAR16 = "16-bit signed little-endian PCM samples".
import AdapterSupport
import AsyncHTTPClient
import Domain
import Foundation
import Logging

/// Speech-to-text through Google's v1 `speech:recognize` (one request per utterance).
public final class GoogleSpeechToText: SpeechToText {
    /// Provider settings.
    public struct Configuration: Sendable, Hashable {
        /// `https://speech.googleapis.com`; `apiKey` is an API key unless `bearer` is set.
        public var http: HTTPProviderSettings
        /// Send the credential as `Authorization: Bearer` (an OAuth access token) instead of `key=`.
        public var bearer: Bool
        /// Recognition model (`phone_call`, `latest_short`, `default`).
        public var model: String

        public init(http: HTTPProviderSettings, bearer: Bool = false, model: String = "phone_call") {
            self.http = http
            self.bearer = bearer
            self.model = model
        }
    }

    public let name: String
    private let configuration: Configuration
    private let http: VendorHTTP

    public init(name: String = "google", configuration: Configuration, client: HTTPClient = .vendors, logger: Logger) {
        self.name = name
        self.configuration = configuration
        self.http = VendorHTTP(client: client, provider: name, timeout: configuration.http.timeout, logger: logger)
    }

    public func startSession(_ options: TranscriptionOptions) async throws(ProviderError) -> any TranscriptionSession {
        BatchTranscriptionSession(provider: name, sampleRate: options.sampleRate) { samples, rate throws(ProviderError) in
            try await self.transcribe(samples, sampleRate: rate, options: options)
        }
    }

    struct RecognizeRequest: Encodable {
        struct Config: Encodable {
            let encoding = "LINEAR16"
            let sampleRateHertz: Int
            let languageCode: String
            let model: String
            let speechContexts: [[String: [String]]]?
        }
        let config: Config
        let audio: [String: String]
    }

    private struct Answer: Decodable {
        struct Result: Decodable {
            struct Alternative: Decodable {
                let transcript: String?
                let confidence: Double?
            }
            let alternatives: [Alternative]?
        }
        let results: [Result]?
        let error: VendorErrorBody?
    }

    func transcribe(_ samples: [Int16], sampleRate: Int, options: TranscriptionOptions) async throws(ProviderError) -> Transcript {
        var pcm: [UInt8] = []
        pcm.reserveCapacity(samples.count * 2)
        for s in samples { withUnsafeBytes(of: s.littleEndian) { pcm += $0 } }
        let body = RecognizeRequest(
            config: .init(
                sampleRateHertz: sampleRate, languageCode: options.language, model: configuration.model,
                speechContexts: options.phrases.isEmpty ? nil : [["phrases": options.phrases]]),
            audio: ["content": Data(pcm).base64EncodedString()])
        var url = configuration.http.baseURL + "/v1/speech:recognize"
        var headers = [("Content-Type", "application/json")]
        if configuration.bearer {
            headers.append(("Authorization", "Bearer \(configuration.http.apiKey)"))
        } else {
            url += "?key=" + (configuration.http.apiKey.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? "")
        }
        let request = HTTPClientRequest.make(url, method: .POST, headers: headers, body: Array((try? JSONEncoder().encode(body)) ?? Data()))
        let response = try await http.send(request)
        try http.expectContentType(response, ["application/json"])
        let answer = try http.decode(Answer.self, from: try await http.body(of: response))
        if let error = answer.error { throw http.fail(error.providerError(name), request: nil) }
        // Each result is a consecutive part of the audio: join their best alternatives.
        let best = (answer.results ?? []).compactMap { $0.alternatives?.first }
        let text = best.compactMap(\.transcript).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        return Transcript(text: text, isFinal: true, confidence: best.first?.confidence)
    }
}
