import AdapterSupport
import Domain
import Foundation
import Logging
import Speech
import Testing
import TestSupport

/// The TextToSpeech and SpeechToText contracts run against every HTTP adapter, each talking to a fake
/// vendor on loopback that checks the documented request and answers with the documented shape.
@Suite("HTTP speech adapters against fake vendors", .serialized)
struct HTTPAdapterContractTests {
    static let logger = Logger(label: "test")
    /// 0.5 s of a tone at 16 kHz as little-endian bytes, cut into odd-sized chunks.
    static let tone: [Int16] = (0..<8000).map { Int16(8000 * sin(Double($0) * 0.05)) }
    static var toneBytes: [UInt8] { tone.flatMap { withUnsafeBytes(of: $0.littleEndian) { Array($0) } } }
    static var oddChunks: [[UInt8]] { stride(from: 0, to: toneBytes.count, by: 1001).map { Array(toneBytes[$0..<min($0 + 1001, toneBytes.count)]) } }

    enum TTSVendor: String, CaseIterable, Sendable { case openai, elevenlabs, azure, polly, google }

    /// The adapter for `vendor` pointed at `base`, and the check of the request the vendor must see.
    static func tts(_ vendor: TTSVendor, base: String) -> (any TextToSpeech, @Sendable (FakeVendorServer.Request) -> Bool, rate: Int) {
        let http = HTTPProviderSettings(baseURL: base, apiKey: "secret-key", timeout: .seconds(30))
        switch vendor {
        case .openai:
            return (OpenAITextToSpeech(configuration: .init(http: http), logger: logger), { r in
                r.path == "/v1/audio/speech" && r.header("Authorization") == "Bearer secret-key"
                    && String(decoding: r.body, as: UTF8.self).contains(#""response_format":"pcm""#)
            }, 24_000)
        case .elevenlabs:
            return (ElevenLabsTextToSpeech(configuration: .init(http: http, voice: "v1"), logger: logger), { r in
                r.uri == "/v1/text-to-speech/v1/stream?output_format=pcm_16000" && r.header("xi-api-key") == "secret-key"
            }, 16_000)
        case .azure:
            return (AzureTextToSpeech(configuration: .init(http: http), logger: logger), { r in
                r.path == "/cognitiveservices/v1" && r.header("Ocp-Apim-Subscription-Key") == "secret-key"
                    && r.header("X-Microsoft-OutputFormat") == "raw-16khz-16bit-mono-pcm" && r.header("Content-Type") == "application/ssml+xml"
                    && String(decoding: r.body, as: UTF8.self).hasPrefix("<speak version='1.0'")
            }, 16_000)
        case .polly:
            let credentials = AWSCredentials(accessKeyID: "AKID", secretAccessKey: "secret")
            return (PollyTextToSpeech(configuration: .init(region: "us-east-1", credentials: credentials, endpoint: base), logger: logger), { r in
                r.path == "/v1/speech" && (r.header("Authorization") ?? "").hasPrefix("AWS4-HMAC-SHA256 Credential=AKID/")
                    && (r.header("Authorization") ?? "").contains("/us-east-1/polly/aws4_request") && r.header("X-Amz-Date") != nil
                    && String(decoding: r.body, as: UTF8.self).contains(#""OutputFormat":"pcm""#)
            }, 16_000)
        case .google:
            return (GoogleTextToSpeech(configuration: .init(http: http), logger: logger), { r in
                r.uri == "/v1/text:synthesize?key=secret-key" && String(decoding: r.body, as: UTF8.self).contains(#""audioEncoding":"LINEAR16""#)
            }, 16_000)
        }
    }

    /// The documented successful answer of `vendor`.
    static func answer(_ vendor: TTSVendor) -> FakeVendorServer.Response {
        switch vendor {
        case .google:
            let wav = WAV.encode(tone, sampleRate: 16_000)
            return .json(#"{"audioContent":"\#(Data(wav).base64EncodedString())"}"#)
        case .polly: return FakeVendorServer.Response(contentType: "audio/pcm", chunks: oddChunks, delay: .milliseconds(2))
        case .azure: return FakeVendorServer.Response(contentType: "audio/x-wav", chunks: oddChunks, delay: .milliseconds(2))
        case .openai, .elevenlabs: return FakeVendorServer.Response(contentType: "audio/pcm", chunks: oddChunks, delay: .milliseconds(2))
        }
    }

    static func collect(_ stream: AudioStream) async throws -> [AudioFrame] {
        var frames: [AudioFrame] = []
        for try await frame in stream { frames.append(frame) }
        return frames
    }

    @Test(arguments: TTSVendor.allCases)
    func ttsSendsTheDocumentedRequestAndStreamsEverySample(_ vendor: TTSVendor) async throws {
        let server = try await FakeVendorServer { _ in Self.answer(vendor) }
        defer { Task { await server.close() } }
        let (adapter, check, _) = Self.tts(vendor, base: server.baseURL)
        let frames = try await Self.collect(adapter.synthesize(SynthesisRequest(text: "Hello there", voice: nil)))
        #expect(frames.flatMap(\.samples) == Self.tone)
        let request = try #require(server.requests.first)
        #expect(request.method == "POST")
        #expect(check(request), "request: \(request.uri) \(request.headers)")
    }

    enum Garbage: String, CaseIterable, Sendable { case wrongContentType, truncated, oddByteCount, serverError, unauthorized, errorBodyWith200 }

    @Test(arguments: [TTSVendor.openai, .elevenlabs, .polly], Garbage.allCases)
    func ttsGarbageIsAClassifiedFailure(_ vendor: TTSVendor, _ garbage: Garbage) async throws {
        let response: FakeVendorServer.Response = switch garbage {
        case .wrongContentType: .json(#"{"ok":true}"#)
        case .truncated: FakeVendorServer.Response(contentType: "audio/pcm", chunks: [Array(Self.toneBytes.prefix(1000))], truncate: true)
        case .oddByteCount: FakeVendorServer.Response(contentType: "audio/pcm", chunks: [Array(Self.toneBytes.prefix(1001))])
        case .serverError: .json(#"{"error":"boom"}"#, status: 503)
        case .unauthorized: .json(#"{"error":"bad key"}"#, status: 401)
        case .errorBodyWith200: .json(#"{"error":{"message":"quota"}}"#)
        }
        let server = try await FakeVendorServer { _ in response }
        defer { Task { await server.close() } }
        let (adapter, _, _) = Self.tts(vendor, base: server.baseURL)
        do {
            _ = try await Self.collect(adapter.synthesize(SynthesisRequest(text: "Hello")))
            Issue.record("\(garbage) was accepted")
        } catch let error as ProviderError {
            let expected: ProviderError.Kind = switch garbage {
            case .serverError: .server
            case .unauthorized: .auth
            default: .badResponse
            }
            #expect(error.kind == expected, "\(error)")
            #expect(error.provider == adapter.name)
        }
    }
}
