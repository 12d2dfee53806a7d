// Amazon Transcribe streaming over WebSocket: a SigV4-presigned
// `wss://transcribestreaming.{region}.amazonaws.com:8443/stream-transcription-websocket?language-code=en-US&media-encoding=pcm&sample-rate=16000&X-Amz-...`
// (service `transcribe`, signed header `host`, X-Amz-Expires <= 300); audio goes out as binary event-stream
// messages (`:message-type` event, `:event-type` AudioEvent, `:content-type` application/octet-stream,
// payload PCM16 LE), an empty AudioEvent ends the stream; results come back as `TranscriptEvent` messages
// with JSON `{"Transcript": {"Results": [{"Alternatives": [{"Transcript"}], "IsPartial"}]}}`, errors as
// `:message-type` exception with `:exception-type` and `{"Message"}`.
// For a whole call (`startCallStream`) the socket stays open and every frame goes out (Transcribe ends a
// stream that gets no audio for 15 s); a result with `IsPartial: false` ends a segment at a pause, which is
// Transcribe's end-of-speech decision. Transcribe has no message to flush early.
// Reference: https://docs.aws.amazon.com/transcribe/latest/dg/streaming-setting-up.html (WebSocket section),
// https://docs.aws.amazon.com/transcribe/latest/dg/event-stream.html,
// https://docs.aws.amazon.com/transcribe/latest/APIReference/API_streaming_TranscriptEvent.html
import Domain
import Foundation
import HTTPTypes
import Logging
import NIOCore
import WSCore

/// Speech-to-text through Amazon Transcribe streaming (WebSocket, partial and final results).
public final class TranscribeSpeechToText: CallStreamingSpeechToText {
    /// Provider settings.
    public struct Configuration: Sendable, Hashable {
        public var region: String
        public var credentials: AWSCredentials
        /// Override for tests; empty for `wss://transcribestreaming.{region}.amazonaws.com:8443`.
        public var endpoint: String
        /// Bounds the handshake and the wait for the last results after the end of audio.
        public var timeout: Duration

        public init(region: String, credentials: AWSCredentials, endpoint: String = "", timeout: Duration = .seconds(30)) {
            self.region = region
            self.credentials = credentials
            self.endpoint = endpoint
            self.timeout = timeout
        }
    }

    public let name: String
    private let configuration: Configuration
    private let signer: SigV4Signer
    private let logger: Logger

    public init(name: String = "transcribe", configuration: Configuration, logger: Logger) {
        self.name = name
        self.configuration = configuration
        self.signer = SigV4Signer(credentials: configuration.credentials, region: configuration.region, service: "transcribe")
        self.logger = logger
    }

    /// The presigned URL of a stream for `options`.
    public func presignedURL(_ options: TranscriptionOptions, date: Date = Date()) -> String {
        let endpoint = configuration.endpoint.isEmpty ? "wss://transcribestreaming.\(configuration.region).amazonaws.com:8443" : configuration.endpoint
        let url = URL(string: endpoint)
        let host = (url?.host ?? "") + (url?.port.map { ":\($0)" } ?? "")
        let path = "/stream-transcription-websocket"
        let query = signer.presignedQuery(
            method: "GET", host: host, path: path,
            query: [("language-code", options.language), ("media-encoding", "pcm"), ("sample-rate", String(options.sampleRate))], expires: 300,
            date: date)
        return endpoint + path + "?" + query
    }

    public func startSession(_ options: TranscriptionOptions) async throws(ProviderError) -> any TranscriptionSession {
        try await WebSocketTranscription.open(
            url: presignedURL(options), headers: HTTPFields(), provider: name, dialect: TranscribeDialect(), timeout: configuration.timeout,
            logger: logger)
    }

    public func startCallStream(_ options: TranscriptionOptions) async throws(ProviderError) -> any CallTranscriptionStream {
        try await WebSocketCallStream.open(
            url: presignedURL(options), headers: HTTPFields(), provider: name, dialect: TranscribeDialect(), timeout: configuration.timeout,
            logger: logger)
    }
}

/// Transcribe's event-stream messages.
struct TranscribeDialect: StreamingDialect {
    private struct Event: Decodable {
        struct Body: Decodable {
            struct Result: Decodable {
                struct Alternative: Decodable { let Transcript: String? }
                let Alternatives: [Alternative]?
                let IsPartial: Bool?
            }
            let Results: [Result]?
        }
        let Transcript: Body?
    }

    func audio(_ frame: AudioFrame) -> WebSocketTranscription.Outgoing {
        .binary(EventStreamMessage.audioEvent(frame.littleEndianBytes).encoded())
    }

    func endOfAudio() -> WebSocketTranscription.Outgoing {
        .binary(EventStreamMessage.audioEvent([]).encoded())
    }

    func finalize() -> WebSocketTranscription.Outgoing? { nil }

    func interpret(_ message: WebSocketMessage, provider: String) -> [WebSocketTranscription.Incoming] {
        guard case .binary(let buffer) = message else {
            return [.failure(ProviderError(.badResponse, provider: provider, "text frame where event-stream binary was expected"))]
        }
        let decoded: EventStreamMessage
        do { decoded = try EventStreamMessage.decode(Array(buffer.readableBytesView)) } catch {
            return [.failure(ProviderError(.badResponse, provider: provider, "bad event-stream message: \(error)"))]
        }
        switch decoded.headers[":message-type"] {
        case "event":
            guard decoded.headers[":event-type"] == "TranscriptEvent" else { return [] }
            guard let event = try? JSONDecoder().decode(Event.self, from: Data(decoded.payload)) else {
                return [.failure(ProviderError(.badResponse, provider: provider, "TranscriptEvent payload is not the documented JSON"))]
            }
            return (event.Transcript?.Results ?? []).compactMap { result in
                let text = result.Alternatives?.first?.Transcript ?? ""
                return result.IsPartial == false ? .final(text, confidence: nil, endOfSpeech: true) : .partial(text)
            }
        case "exception", "error":
            let type = decoded.headers[":exception-type"] ?? decoded.headers[":error-code"] ?? "exception"
            let text = "\(type): \(String(decoding: decoded.payload, as: UTF8.self).prefix(200))"
            let kind: ProviderError.Kind = switch type {
            case "LimitExceededException": .rateLimited
            case "InternalFailureException", "ServiceUnavailableException": .server
            case "UnrecognizedClientException", "AccessDeniedException", "InvalidSignatureException": .auth
            default: .badRequest
            }
            return [.failure(ProviderError(kind, provider: provider, text))]
        default:
            return [.failure(ProviderError(.badResponse, provider: provider, "event-stream message without a known :message-type"))]
        }
    }
}
