import Domain
import Foundation
import HTTPTypes
import Logging

/// A speech-to-speech agent backed by the OpenAI Realtime API (GA protocol over a WebSocket): the
/// model hears the caller and answers with its own voice; the server's voice activity detection cuts
/// the turns, and the model acts on the line through the functions of `TelephonyTools` (the same as
/// the chat agent's).
///
/// A G.711 line (8 kHz) talks `audio/pcmu` both ways; any other line `audio/pcm` at 24 kHz.
///
/// One function call may come to more than one action (`collect_digits` with a prompt: `.say` then
/// `.collectDigits`): they carry the same `callID`, to `complete` once.
public struct OpenAIRealtimeAgent: SpeechToSpeechAgent {
    /// Per agent (and tenant) settings.
    public struct Configuration: Sendable, Hashable {
        /// `wss://api.openai.com/v1/realtime`; `?model=` is added.
        public var url: String
        /// Sent as `Authorization: Bearer`.
        public var apiKey: String
        /// `gpt-realtime`, `gpt-realtime-mini`, ...
        public var model: String
        /// `alloy`, `ash`, `ballad`, `coral`, `echo`, `sage`, `shimmer`, `verse`, `marin`, `cedar`.
        public var voice: String
        /// The system prompt (the model's defaults when empty).
        public var instructions: String
        /// Said first, before the caller speaks (the model is asked to say exactly this); empty: the
        /// model waits for the caller.
        public var greeting: String
        /// How the server cuts the caller's turns.
        public var turnDetection: TurnDetection
        /// The model transcribing the caller for `.callerSaid` (beside the speech model, which hears the audio itself).
        public var transcriptionModel: String
        /// Bounds the handshake and the session's configuration (`session.updated`).
        public var connectTimeout: Duration

        public init(
            url: String = "wss://api.openai.com/v1/realtime", apiKey: String, model: String = "gpt-realtime", voice: String = "alloy",
            instructions: String = "", greeting: String = "", turnDetection: TurnDetection = TurnDetection(),
            transcriptionModel: String = "gpt-4o-mini-transcribe", connectTimeout: Duration = .seconds(10)
        ) {
            self.url = url
            self.apiKey = apiKey
            self.model = model
            self.voice = voice
            self.instructions = instructions
            self.greeting = greeting
            self.turnDetection = turnDetection
            self.transcriptionModel = transcriptionModel
            self.connectTimeout = connectTimeout
        }
    }

    /// Server voice activity detection (`server_vad`); the defaults are OpenAI's.
    public struct TurnDetection: Sendable, Hashable {
        /// Activation threshold, 0...1 (higher: louder audio is needed to count as speech).
        public var threshold: Double
        /// Audio kept from before the speech started.
        public var prefixPadding: Duration
        /// Silence that ends the caller's turn.
        public var silenceDuration: Duration
        /// Whether the server answers each turn by itself.
        public var createResponse: Bool
        /// Whether the caller speaking cancels the answer in progress (barge-in).
        public var interruptResponse: Bool
        /// Whether the server detects the turns at all; false: `turn_detection: null`, the daemon endpoints
        /// the caller and commits each turn.
        public var byServer: Bool

        public init(
            threshold: Double = 0.5, prefixPadding: Duration = .milliseconds(300), silenceDuration: Duration = .milliseconds(500),
            createResponse: Bool = true, interruptResponse: Bool = true, byServer: Bool = true
        ) {
            self.byServer = byServer
            self.threshold = threshold
            self.prefixPadding = prefixPadding
            self.silenceDuration = silenceDuration
            self.createResponse = createResponse
            self.interruptResponse = interruptResponse
        }
    }

    public let name: String
    private let configuration: Configuration
    private let logger: Logger

    public init(name: String = "realtime", configuration: Configuration, logger: Logger) {
        self.name = name
        self.configuration = configuration
        self.logger = logger
    }

    /// Opens the WebSocket, configures the session for a line of `lineRate` Hz, and returns once the
    /// server has applied the configuration (within `connectTimeout`).
    public func connect(_ context: AgentContext, lineRate: Int) async throws(ProviderError) -> any SpeechToSpeechSession {
        let format = RealtimeAudioFormat(lineRate: lineRate)
        var headers = HTTPFields()
        headers[.authorization] = "Bearer \(configuration.apiKey)"
        var logger = logger
        logger[metadataKey: "call.id"] = "\(context.callID)"
        let settings = OpenAIRealtimeSession.Settings(
            provider: name, format: format, sessionUpdate: sessionUpdate(format: format, language: context.language),
            greeting: configuration.greeting, connectTimeout: configuration.connectTimeout, history: context.history,
            detectsTurns: configuration.turnDetection.byServer)
        return try await OpenAIRealtimeSession.open(url: url, headers: headers, settings: settings, logger: logger)
    }

    /// The endpoint with `?model=`.
    var url: String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let model = configuration.model.addingPercentEncoding(withAllowedCharacters: allowed) ?? configuration.model
        return configuration.url + (configuration.url.contains("?") ? "&" : "?") + "model=" + model
    }

    /// The configuration of a session in `format` both ways, for a call in `language` (`en-US`).
    func sessionUpdate(format: RealtimeAudioFormat, language: String) -> RealtimeWire.SessionUpdate {
        let vad = configuration.turnDetection
        // ISO-639-1 only (`en` of `en-US`); anything else leaves the language to the transcription model.
        let languageCode = language.split(separator: "-").first.map { $0.lowercased() }.flatMap { $0.count == 2 ? $0 : nil }
        return RealtimeWire.SessionUpdate(session: RealtimeWire.Session(
            model: configuration.model,
            instructions: configuration.instructions.isEmpty ? nil : configuration.instructions,
            audio: RealtimeWire.Audio(
                input: RealtimeWire.Input(
                    format: format.wire,
                    transcription: RealtimeWire.Transcription(
                        model: configuration.transcriptionModel, language: languageCode),
                    turnDetection: !vad.byServer ? nil : RealtimeWire.TurnDetection(
                        threshold: vad.threshold, prefixPaddingMs: Int(vad.prefixPadding.milliseconds),
                        silenceDurationMs: Int(vad.silenceDuration.milliseconds), createResponse: vad.createResponse,
                        interruptResponse: vad.interruptResponse)),
                output: RealtimeWire.Output(format: format.wire, voice: configuration.voice)),
            tools: TelephonyTools.functions.map(RealtimeWire.Tool.init)))
    }
}
