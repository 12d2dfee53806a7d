// OpenAI-compatible transcription: `POST {base_url}/v1/audio/transcriptions`, multipart/form-data with
// `file` (audio; WAV here), `model`, optional `language` (ISO-639-1) and `prompt`, `response_format=json`;
// answer `{"text": "..."}`; auth `Authorization: Bearer KEY`.
// Reference: https://platform.openai.com/docs/api-reference/audio/createTranscription (checked against the
// openai-node `TranscriptionCreateParams` and openai-protocol `TranscriptionRequest` definitions).
// The same shape is served by Groq, faster-whisper-server and whisper.cpp's server.
import AdapterSupport
import AsyncHTTPClient
import Domain
import Logging

/// Speech-to-text through an OpenAI-compatible `/v1/audio/transcriptions` endpoint (one request per utterance).
public final class OpenAISpeechToText: SpeechToText {
    /// Provider settings.
    public struct Configuration: Sendable, Hashable {
        public var http: HTTPProviderSettings
        /// `whisper-1`, `gpt-4o-mini-transcribe`, or the model a local server loaded.
        public var model: String
        /// Sent as `prompt` (vocabulary hints); the agent's phrases are appended.
        public var prompt: String

        public init(http: HTTPProviderSettings, model: String = "whisper-1", prompt: String = "") {
            self.http = http
            self.model = model
            self.prompt = prompt
        }
    }

    public let name: String
    private let configuration: Configuration
    private let http: VendorHTTP

    public init(name: String = "openai", configuration: Configuration, client: HTTPClient = .vendors, logger: Logger) {
        self.name = name
        self.configuration = configuration
        self.http = VendorHTTP(client: client, provider: name, timeout: configuration.http.timeout, logger: logger)
    }

    public func startSession(_ options: TranscriptionOptions) async throws(ProviderError) -> any TranscriptionSession {
        BatchTranscriptionSession(provider: name, sampleRate: options.sampleRate) { samples, rate throws(ProviderError) in
            try await self.transcribe(samples, sampleRate: rate, options: options)
        }
    }

    private struct Answer: Decodable {
        let text: String?
        let error: VendorErrorBody?
    }

    func transcribe(_ samples: [Int16], sampleRate: Int, options: TranscriptionOptions) async throws(ProviderError) -> Transcript {
        var form = MultipartForm()
        form.file("file", filename: "utterance.wav", contentType: "audio/wav", data: WAV.encode(samples, sampleRate: sampleRate))
        form.field("model", configuration.model)
        let language = options.language.split(separator: "-").first.map(String.init) ?? options.language
        if !language.isEmpty { form.field("language", language.lowercased()) }
        let prompt = ([configuration.prompt] + options.phrases).filter { !$0.isEmpty }.joined(separator: ", ")
        if !prompt.isEmpty { form.field("prompt", prompt) }
        form.field("response_format", "json")
        var headers = [("Content-Type", form.contentType), ("Accept", "application/json")]
        if !configuration.http.apiKey.isEmpty { headers.append(("Authorization", "Bearer \(configuration.http.apiKey)")) }
        let request = HTTPClientRequest.make(
            configuration.http.baseURL + "/v1/audio/transcriptions", method: .POST, headers: headers, body: form.finished())
        let response = try await http.send(request)
        try http.expectContentType(response, ["application/json"])
        let answer = try http.decode(Answer.self, from: try await http.body(of: response))
        if let error = answer.error { throw http.fail(error.providerError(name), request: nil) }
        guard let text = answer.text else {
            throw http.fail(ProviderError(.badResponse, provider: name, "answer has no 'text'"), request: nil)
        }
        return Transcript(text: text.trimmingCharacters(in: .whitespacesAndNewlines), isFinal: true)
    }
}
