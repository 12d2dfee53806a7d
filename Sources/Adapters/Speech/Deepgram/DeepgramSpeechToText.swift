// Deepgram live streaming: WebSocket `wss://api.deepgram.com/v1/listen?encoding=linear16&sample_rate=16000&
// channels=1&interim_results=true&endpointing=300&language=en-US&model=nova-2`, header
// `Authorization: Token KEY`; binary audio frames out, `{"type": "CloseStream"}` ends the audio; messages
// in are JSON `{"type": "Results", "channel": {"alternatives": [{"transcript", "confidence"}]},
// "is_final", "speech_final"}` (interim when is_final is false), then `{"type": "Metadata"}` before close.
// Reference: https://developers.deepgram.com/reference/speech-to-text-api/listen-streaming,
// https://developers.deepgram.com/docs/understand-endpointing-interim-results,
// https://developers.deepgram.com/docs/interim-results
import Domain
import Foundation
import HTTPTypes
import Logging
import WSCore

/// Speech-to-text through Deepgram's live streaming WebSocket (interim and final results).
public final class DeepgramSpeechToText: SpeechToText {
    /// Provider settings.
    public struct Configuration: Sendable, Hashable {
        /// `wss://api.deepgram.com`.
        public var baseURL: String
        public var apiKey: String
        public var model: String
        /// Silence (ms) after which Deepgram finalises a segment.
        public var endpointingMs: Int

        public init(baseURL: String = "wss://api.deepgram.com", apiKey: String, model: String = "nova-2", endpointingMs: Int = 300) {
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

    /// The streaming URL for `options`.
    func url(_ options: TranscriptionOptions) -> String {
        var query = [
            "encoding=linear16", "sample_rate=\(options.sampleRate)", "channels=1", "interim_results=true",
            "endpointing=\(configuration.endpointingMs)", "language=\(options.language)", "model=\(configuration.model)",
        ]
        for phrase in options.phrases.prefix(50) {
            query.append("keywords=" + (phrase.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
        }
        return configuration.baseURL + "/v1/listen?" + query.joined(separator: "&")
    }

    public func startSession(_ options: TranscriptionOptions) async throws(ProviderError) -> any TranscriptionSession {
        var headers = HTTPFields()
        headers[.authorization] = "Token \(configuration.apiKey)"
        return try await WebSocketTranscription.open(url: url(options), headers: headers, provider: name, dialect: DeepgramDialect(), logger: logger)
    }
}

/// Deepgram's JSON messages.
struct DeepgramDialect: StreamingDialect {
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
        let description: String?
        let message: String?
    }

    func audio(_ frame: AudioFrame) -> WebSocketTranscription.Outgoing { .binary(frame.littleEndianBytes) }

    func endOfAudio() -> WebSocketTranscription.Outgoing { .text(#"{"type":"CloseStream"}"#) }

    func interpret(_ message: WebSocketMessage, provider: String) -> [WebSocketTranscription.Incoming] {
        guard case .text(let text) = message else {
            return [.failure(ProviderError(.badResponse, provider: provider, "binary frame where JSON was expected"))]
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
            return decoded.is_final == true ? [.final(transcript, confidence: alternative.confidence)] : [.partial(transcript)]
        case "Metadata":
            return [.done]
        case "Error":
            return [.failure(ProviderError(.server, provider: provider, "\(decoded.description ?? decoded.message ?? text.prefix(200).description)"))]
        case "SpeechStarted", "UtteranceEnd":
            return []
        default:
            return [.failure(ProviderError(.badResponse, provider: provider, "unknown message type \(decoded.type ?? "none")"))]
        }
    }
}
