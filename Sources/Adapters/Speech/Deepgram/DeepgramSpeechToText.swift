// Deepgram live streaming: WebSocket `wss://api.deepgram.com/v1/listen?encoding=linear16&sample_rate=16000&
// channels=1&interim_results=true&endpointing=300&language=en-US&model=nova-2`, header
// `Authorization: Token KEY`; binary audio frames out, `{"type": "CloseStream"}` ends the audio; messages
// in are JSON `{"type": "Results", "channel": {"alternatives": [{"transcript", "confidence"}]},
// "is_final", "speech_final"}` (interim when is_final is false), then `{"type": "Metadata"}` before close.
// For a whole call (`startCallStream`) the same socket stays open: every frame goes out (silence included),
// `{"type": "Finalize"}` flushes what was heard when the daemon ends an utterance (answered by results with
// `from_finalize: true`, not guaranteed when little audio is buffered), `speech_final: true` and
// `{"type": "UtteranceEnd"}` (query `utterance_end_ms=1000`) are Deepgram's end-of-speech decisions.
// Reference: https://developers.deepgram.com/reference/speech-to-text-api/listen-streaming,
// https://developers.deepgram.com/docs/finalize, https://developers.deepgram.com/docs/utterance-end,
// https://developers.deepgram.com/docs/understand-endpointing-interim-results,
// https://developers.deepgram.com/docs/interim-results
import Domain
import Foundation
import HTTPTypes
import Logging
import WSCore

/// Speech-to-text through Deepgram's live streaming WebSocket (interim and final results).
public final class DeepgramSpeechToText: CallStreamingSpeechToText {
    /// Provider settings.
    public struct Configuration: Sendable, Hashable {
        /// `wss://api.deepgram.com`.
        public var baseURL: String
        public var apiKey: String
        public var model: String
        /// Silence (ms) after which Deepgram finalises a segment.
        public var endpointingMs: Int
        /// Bounds the handshake and the wait for the last results after `CloseStream`.
        public var timeout: Duration

        public init(
            baseURL: String = "wss://api.deepgram.com", apiKey: String, model: String = "nova-2", endpointingMs: Int = 300,
            timeout: Duration = .seconds(30)
        ) {
            self.timeout = timeout
            self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
            self.apiKey = apiKey
            self.model = model
            self.endpointingMs = endpointingMs
        }
    }

    public let name: String
    private let configuration: Configuration
    private let logger: Logger

    public init(name: String = "deepgram", configuration: Configuration, logger: Logger) {
        self.name = name
        self.configuration = configuration
        self.logger = logger
    }

    /// The streaming URL for `options`; a call's stream also asks for `UtteranceEnd` messages.
    func url(_ options: TranscriptionOptions, wholeCall: Bool = false) -> String {
        var query = [
            "encoding=linear16", "sample_rate=\(options.sampleRate)", "channels=1", "interim_results=true",
            "endpointing=\(configuration.endpointingMs)", "language=\(options.language)", "model=\(configuration.model)",
        ]
        if wholeCall { query.append("utterance_end_ms=1000") }
        for phrase in options.phrases.prefix(50) {
            query.append("keywords=" + (phrase.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
        }
        return configuration.baseURL + "/v1/listen?" + query.joined(separator: "&")
    }

    public func startSession(_ options: TranscriptionOptions) async throws(ProviderError) -> any TranscriptionSession {
        var headers = HTTPFields()
        headers[.authorization] = "Token \(configuration.apiKey)"
        return try await WebSocketTranscription.open(url: url(options), headers: headers, provider: name, dialect: DeepgramDialect(),
            timeout: configuration.timeout, logger: logger)
    }

    public func startCallStream(_ options: TranscriptionOptions) async throws(ProviderError) -> any CallTranscriptionStream {
        var headers = HTTPFields()
        headers[.authorization] = "Token \(configuration.apiKey)"
        return try await WebSocketCallStream.open(
            url: url(options, wholeCall: true), headers: headers, provider: name, dialect: DeepgramDialect(), timeout: configuration.timeout,
            logger: logger)
    }
}

/// Deepgram's JSON messages.
struct DeepgramDialect: StreamingDialect {
    /// Every message's `type`; the rest depends on it (`channel` is an object in `Results`, an array of
    /// indices in `UtteranceEnd` and `SpeechStarted`).
    private struct Kind: Decodable {
        let type: String?
    }

    private struct Message: Decodable {
        struct Channel: Decodable {
            struct Alternative: Decodable {
                let transcript: String?
                let confidence: Double?
            }
            let alternatives: [Alternative]?
        }
        let type: String?
        let channel: Channel?
        let is_final: Bool?
        let speech_final: Bool?
        let description: String?
        let message: String?
    }

    func audio(_ frame: AudioFrame) -> WebSocketTranscription.Outgoing { .binary(frame.littleEndianBytes) }

    func endOfAudio() -> WebSocketTranscription.Outgoing { .text(#"{"type":"CloseStream"}"#) }

    func finalize() -> WebSocketTranscription.Outgoing? { .text(#"{"type":"Finalize"}"#) }

    func interpret(_ message: WebSocketMessage, provider: String) -> [WebSocketTranscription.Incoming] {
        guard case .text(let text) = message else {
            return [.failure(ProviderError(.badResponse, provider: provider, "binary frame where JSON was expected"))]
        }
        guard let kind = try? JSONDecoder().decode(Kind.self, from: Data(text.utf8)) else {
            return [.failure(ProviderError(.badResponse, provider: provider, "invalid JSON message: \(text.prefix(120))"))]
        }
        switch kind.type {
        case "UtteranceEnd": return [.endOfSpeech]
        case "SpeechStarted": return []
        default: break
        }
        guard let decoded = try? JSONDecoder().decode(Message.self, from: Data(text.utf8)) else {
            return [.failure(ProviderError(.badResponse, provider: provider, "invalid JSON message: \(text.prefix(120))"))]
        }
        switch decoded.type {
        case "Results":
            guard let alternative = decoded.channel?.alternatives?.first else {
                return [.failure(ProviderError(.badResponse, provider: provider, "Results without channel.alternatives"))]
            }
            let transcript = alternative.transcript ?? ""
            guard decoded.is_final == true else { return [.partial(transcript)] }
            return [.final(transcript, confidence: alternative.confidence, endOfSpeech: decoded.speech_final == true)]
        case "Metadata":
            return [.done]
        case "Error":
            return [.failure(ProviderError(.server, provider: provider, "\(decoded.description ?? decoded.message ?? text.prefix(200).description)"))]
        default:
            return [.failure(ProviderError(.badResponse, provider: provider, "unknown message type \(decoded.type ?? "none")"))]
        }
    }
}
