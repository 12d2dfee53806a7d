// Google Cloud Text-to-Speech v1: `POST https://texttospeech.googleapis.com/v1/text:synthesize[?key=KEY]`
// JSON `{"input": {"text"}, "voice": {"languageCode", "name"}, "audioConfig": {"audioEncoding": "LINEAR16",
// "sampleRateHertz"}}`; answer `{"audioContent": base64}`. LINEAR16 content is a WAV file ("Uncompressed
// 16-bit signed little-endian samples (Linear PCM). Audio content returned as LINEAR16 also contains a WAV
// header."), so the header is parsed and stripped.
// Reference: https://cloud.google.com/text-to-speech/docs/reference/rest/v1/text/synthesize and
// https://cloud.google.com/text-to-speech/docs/reference/rest/v1/AudioConfig#AudioEncoding
import AdapterSupport
import AsyncHTTPClient
import Domain
import Foundation
import Logging

/// Text-to-speech through Google's v1 `text:synthesize` (whole sentence per request).
public final class GoogleTextToSpeech: TextToSpeech {
    /// Provider settings.
    public struct Configuration: Sendable, Hashable {
        public var http: HTTPProviderSettings
        public var bearer: Bool
        /// Default voice (`en-US-Standard-C`); a request's voice wins.
        public var voice: String
        public var sampleRate: Int

        public init(http: HTTPProviderSettings, bearer: Bool = false, voice: String = "en-US-Standard-C", sampleRate: Int = 16_000) {
            self.http = http
            self.bearer = bearer
            self.voice = voice
            self.sampleRate = sampleRate
        }
    }

    public let name: String
    private let configuration: Configuration
    private let http: VendorHTTP
    private let probe: SynthesisProbe

    public init(
        name: String = "google", configuration: Configuration, client: HTTPClient = .vendors, logger: Logger, probe: SynthesisProbe = .init()
    ) {
        self.name = name
        self.configuration = configuration
        self.probe = probe
        self.http = VendorHTTP(client: client, provider: name, timeout: configuration.http.timeout, logger: logger)
    }

    struct SynthesizeRequest: Encodable {
        struct AudioConfig: Encodable {
            let audioEncoding = "LINEAR16"
            let sampleRateHertz: Int
        }
        let input: [String: String]
        let voice: [String: String]
        let audioConfig: AudioConfig
    }

    private struct Answer: Decodable {
        let audioContent: String?
        let error: VendorErrorBody?
    }

    public func synthesize(_ request: SynthesisRequest) -> AudioStream {
        let (stream, continuation) = AudioStream.makeStream()
        let task = Task {
            do throws(ProviderError) {
                continuation.yield(try await self.fetch(request))
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    private func fetch(_ request: SynthesisRequest) async throws(ProviderError) -> AudioFrame {
        let body = SynthesizeRequest(
            input: ["text": request.text], voice: ["languageCode": request.language, "name": request.voice ?? configuration.voice],
            audioConfig: .init(sampleRateHertz: configuration.sampleRate))
        var url = configuration.http.baseURL + "/v1/text:synthesize"
        var headers = [("Content-Type", "application/json")]
        if configuration.bearer {
            headers.append(("Authorization", "Bearer \(configuration.http.apiKey)"))
        } else {
            url += "?key=" + (configuration.http.apiKey.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? "")
        }
        let httpRequest = HTTPClientRequest.make(url, method: .POST, headers: headers, body: Array((try? JSONEncoder().encode(body)) ?? Data()))
        let response = try await http.send(httpRequest)
        try http.expectContentType(response, ["application/json"])
        let buffer = try await http.body(of: response)
        probe.onFirstByte()
        let answer = try http.decode(Answer.self, from: buffer)
        if let error = answer.error { throw http.fail(error.providerError(name), request: nil) }
        guard let encoded = answer.audioContent, let bytes = Data(base64Encoded: encoded) else {
            throw http.fail(ProviderError(.badResponse, provider: name, "answer has no valid base64 'audioContent'"), request: nil)
        }
        let frame: AudioFrame
        do { frame = try WAV.decode(Array(bytes)) } catch {
            throw http.fail(ProviderError(.badResponse, provider: name, "audioContent is not LINEAR16 WAV: \(error)"), request: nil)
        }
        guard !frame.samples.isEmpty else { throw http.fail(ProviderError(.badResponse, provider: name, "empty audio"), request: nil) }
        probe.onFirstFrame()
        return frame
    }
}
