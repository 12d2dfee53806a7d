import Foundation
import Synchronization

/// The OpenAI Realtime API (GA protocol) on loopback, on top of `FakeWebSocketVendor`: it checks what a
/// client sends the way the vendor would and answers with the vendor's events, deterministically (it only
/// reacts to client messages, so there are no timers to race on a loaded machine).
///
/// - The upgrade is refused with 401 unless `Authorization: Bearer <apiKey>`. A client sending the retired
///   `OpenAI-Beta` header gets the vendor's `beta_api_shape_disabled` error and a 4000 close.
/// - `session.created` comes first. `FakeWebSocketVendor` only speaks when spoken to, so it goes out just
///   before the answer to the client's first message rather than on connect (the client must not wait for it).
/// - `session.update` is checked for the GA shape (`session.type` realtime, format objects, known voice,
///   flat function tools, no beta keys): `session.updated`, or an `invalid_request_error`.
/// - Appended audio is decoded (`audio/pcmu` or `audio/pcm` 24 kHz) and run through an energy VAD over
///   20 ms windows: speech (RMS above `speechLevel`) starts a turn (`speech_started`, cancelling an answer
///   in progress when `interrupt_response`); `silence_duration_ms` of silence ends it (`speech_stopped`,
///   `committed`, the transcription of the next `callerSaid`, then the next scripted response when
///   `create_response`). `response.create` plays the next scripted response too.
/// - `response.cancel` ends the answer in progress (`response.done`, cancelled) or answers
///   `response_cancel_not_active`; `conversation.item.truncate` is checked against the item's audio.
///
/// It serves one session at a time (one call per test).
public final class FakeRealtimeServer: Sendable {
    /// What the model does when a response is due.
    public enum Response: Sendable, Hashable {
        /// An answer spoken: a 440 Hz tone of `duration` in the session's output format, sent as unevenly
        /// split deltas, then its transcript and `response.done`. `finish: false` leaves it in progress
        /// after the audio (until the client cancels it or the caller barges in).
        case speech(String, duration: Duration = .milliseconds(300), finish: Bool = true)
        /// A function call (`response.function_call_arguments.done`), then `response.done`.
        case functionCall(name: String, arguments: String, callID: String)
        /// An `error` event.
        case fail(type: String = "server_error", code: String = "server_error", message: String = "The server had an error while processing your request.")
        /// The TCP connection cut without a close frame.
        case drop
    }

    /// RMS (16-bit sample units) above which a 20 ms window is speech.
    public static let speechLevel = 1000.0
    /// Voices the GA API knows.
    public static let voices: Set<String> = ["alloy", "ash", "ballad", "coral", "echo", "sage", "shimmer", "verse", "marin", "cedar"]

    private let vendor: FakeWebSocketVendor
    private let session: RealtimeFakeSession

    /// `callerSaid`: the transcripts of the caller's turns, in order; `responses`: the model's answers, in
    /// order (an empty response once they run out). `answersSessionUpdate: false` never answers the
    /// configuration (a vendor that hangs).
    public init(
        apiKey: String = "sk-test", callerSaid: [String] = [], responses: [Response] = [], answersSessionUpdate: Bool = true
    ) async throws {
        let session = RealtimeFakeSession(callerSaid: callerSaid, responses: responses, answersSessionUpdate: answersSessionUpdate)
        self.session = session
        vendor = try await FakeWebSocketVendor(
            upgrade: { handshake in handshake.header("Authorization") == "Bearer \(apiKey)" ? nil : 401 },
            respond: { handshake, message in session.respond(handshake, message) })
    }

    /// `ws://127.0.0.1:PORT/v1/realtime`.
    public var url: String { vendor.baseURL + "/v1/realtime" }

    /// Upgrade requests so far (accepted or not).
    public var handshakes: [FakeWebSocketVendor.Handshake] { vendor.handshakes }

    /// Every client event, as sent (JSON text), in order.
    public var clientEvents: [String] { session.recorded.withLock { $0.events } }

    /// The `type` of each client event, in order.
    public var clientEventTypes: [String] { clientEvents.map { Self.object($0)["type"] as? String ?? "?" } }

    /// The client events of `type`, parsed.
    public func events(_ type: String) -> [[String: Any]] {
        clientEvents.map(Self.object).filter { $0["type"] as? String == type }
    }

    /// The decoded size in bytes of each `input_audio_buffer.append`.
    public var appendedBytes: [Int] { session.recorded.withLock { $0.appendedBytes } }

    /// What the client did that the vendor would refuse or that breaks the protocol.
    public var problems: [String] { session.recorded.withLock { $0.problems } }

    public func close() async { await vendor.close() }

    static func object(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }
}

/// The vendor's side of a session: configuration, VAD, scripted responses.
private final class RealtimeFakeSession: Sendable {
    enum Format: Sendable, Equatable {
        case pcmu, pcm24
        var rate: Int { self == .pcmu ? 8000 : 24000 }
    }

    struct Recorded {
        var events: [String] = []
        var appendedBytes: [Int] = []
        var problems: [String] = []
    }

    struct State {
        var callerSaid: [String]
        var responses: [FakeRealtimeServer.Response]
        let answersSessionUpdate: Bool
        var createdSent = false
        var configured = false
        var input = Format.pcm24
        var output = Format.pcm24
        var silenceMs = 500
        var createResponse = true
        var interruptResponse = true
        /// `turn_detection: null`: no VAD, the client commits each turn.
        var serverVAD = true
        // VAD
        var window: [Int16] = []
        var inputMs = 0
        var inSpeech = false
        var silentFor = 0
        // Conversation
        var nextID = 0
        var active: (response: String, item: String?)?
        var itemAudioMs: [String: Int] = [:]
        var callIDs: Set<String> = []
    }

    let recorded = Mutex(Recorded())
    private let state: Mutex<State>

    init(callerSaid: [String], responses: [FakeRealtimeServer.Response], answersSessionUpdate: Bool) {
        state = Mutex(State(callerSaid: callerSaid, responses: responses, answersSessionUpdate: answersSessionUpdate))
    }

    func respond(_ handshake: FakeWebSocketVendor.Handshake, _ message: FakeWebSocketVendor.Message) -> [FakeWebSocketVendor.Reply] {
        guard case .text(let text) = message else {
            problem("binary message (the Realtime API takes JSON text only)")
            return []
        }
        recorded.withLock { $0.events.append(text) }
        return state.withLock { state in
            var replies: [FakeWebSocketVendor.Reply] = []
            if !state.createdSent {
                state.createdSent = true
                replies.append(event(&state, "session.created", ["session": ["type": "realtime", "object": "realtime.session"]]))
                if handshake.header("OpenAI-Beta") != nil {
                    // What OpenAI does since the beta was retired.
                    problem("OpenAI-Beta header sent")
                    replies.append(error(&state, "invalid_request_error", "beta_api_shape_disabled",
                                         "The Realtime Beta API is no longer supported. Please use /v1/realtime for the GA API."))
                    replies.append(.close(code: 4000, reason: "beta_api_shape_disabled"))
                    return replies
                }
                if handshake.path != "/v1/realtime" { problem("path \(handshake.path)") }
                if (handshake.query("model") ?? "").isEmpty { problem("no model in the query") }
            }
            let object = FakeRealtimeServer.object(text)
            let eventID = object["event_id"] as? String
            switch object["type"] as? String ?? "" {
            case "session.update": replies += sessionUpdate(&state, object["session"] as? [String: Any] ?? [:], eventID: eventID)
            case "input_audio_buffer.append": replies += append(&state, object["audio"] as? String ?? "")
            case "input_audio_buffer.commit":
                if state.serverVAD {
                    replies.append(event(&state, "input_audio_buffer.committed", ["item_id": id(&state, "item")]))
                } else {
                    replies += committedTurn(&state, item: id(&state, "item"))
                }
            case "input_audio_buffer.clear": replies.append(event(&state, "input_audio_buffer.cleared", [:]))
            case "conversation.item.create": replies += itemCreate(&state, object["item"] as? [String: Any] ?? [:], eventID: eventID)
            case "response.create":
                if state.active != nil {
                    problem("response.create while a response is in progress")
                    replies.append(error(&state, "invalid_request_error", "conversation_already_has_active_response",
                                         "Conversation already has an active response in progress.", eventID: eventID))
                } else {
                    replies += respond(&state)
                }
            case "response.cancel": replies += cancel(&state, eventID: eventID)
            case "conversation.item.truncate": replies += truncate(&state, object, eventID: eventID)
            case let type:
                problem("unknown client event \(type)")
                replies.append(error(&state, "invalid_request_error", "invalid_value", "Invalid value: '\(type)'.", eventID: eventID))
            }
            return replies
        }
    }

    // MARK: Configuration

    private func sessionUpdate(_ state: inout State, _ session: [String: Any], eventID: String?) -> [FakeWebSocketVendor.Reply] {
        func refuse(_ param: String, _ message: String) -> [FakeWebSocketVendor.Reply] {
            problem("session.update: \(message)")
            return [error(&state, "invalid_request_error", "invalid_value", message, param: param, eventID: eventID)]
        }
        guard session["type"] as? String == "realtime" else { return refuse("session.type", "Missing or invalid session.type, expected 'realtime'.") }
        for beta in ["modalities", "input_audio_format", "output_audio_format", "voice", "turn_detection", "input_audio_transcription"]
        where session[beta] != nil {
            return refuse("session.\(beta)", "Unknown parameter: 'session.\(beta)'.")
        }
        let audio = session["audio"] as? [String: Any] ?? [:]
        let input = audio["input"] as? [String: Any] ?? [:]
        let output = audio["output"] as? [String: Any] ?? [:]
        guard let inputFormat = Self.format(input["format"]) else { return refuse("session.audio.input.format", "Invalid audio format.") }
        guard let outputFormat = Self.format(output["format"]) else { return refuse("session.audio.output.format", "Invalid audio format.") }
        if let voice = output["voice"] {
            guard let voice = voice as? String, FakeRealtimeServer.voices.contains(voice) else {
                return refuse("session.audio.output.voice", "Invalid value: '\(voice)'. Supported values are: \(FakeRealtimeServer.voices.sorted()).")
            }
        }
        if let modalities = session["output_modalities"] {
            guard let modalities = modalities as? [String], modalities == ["audio"] || modalities == ["text"] else {
                return refuse("session.output_modalities", "Invalid output_modalities.")
            }
        }
        if let transcription = input["transcription"], !(transcription is NSNull) {
            guard let transcription = transcription as? [String: Any], transcription["model"] is String else {
                return refuse("session.audio.input.transcription", "Missing transcription model.")
            }
        }
        var silenceMs = 500, createResponse = true, interruptResponse = true
        let serverVAD = !(input["turn_detection"] is NSNull)
        if let detection = input["turn_detection"] as? [String: Any] {
            guard detection["type"] as? String == "server_vad" || detection["type"] as? String == "semantic_vad" else {
                return refuse("session.audio.input.turn_detection.type", "Invalid turn detection type.")
            }
            silenceMs = detection["silence_duration_ms"] as? Int ?? 500
            createResponse = detection["create_response"] as? Bool ?? true
            interruptResponse = detection["interrupt_response"] as? Bool ?? true
        }
        for (index, tool) in (session["tools"] as? [[String: Any]] ?? []).enumerated() {
            guard tool["type"] as? String == "function", tool["function"] == nil, tool["name"] is String,
                  (tool["parameters"] as? [String: Any])?["type"] as? String == "object"
            else { return refuse("session.tools[\(index)]", "Invalid function tool (expected type, name, description, parameters, flat).") }
        }
        state.configured = true
        state.input = inputFormat
        state.output = outputFormat
        state.silenceMs = silenceMs
        state.createResponse = createResponse
        state.interruptResponse = interruptResponse
        state.serverVAD = serverVAD
        guard state.answersSessionUpdate else { return [] }
        var echoed = session
        echoed["object"] = "realtime.session"
        echoed["id"] = "sess_fake"
        return [event(&state, "session.updated", ["session": echoed])]
    }

    /// `{"type":"audio/pcmu"}` or `{"type":"audio/pcm","rate":24000}`, nothing else.
    private static func format(_ value: Any?) -> Format? {
        guard let format = value as? [String: Any] else { return nil }
        switch format["type"] as? String {
        case "audio/pcmu": return format.count == 1 ? .pcmu : nil
        case "audio/pcm": return format.count == 2 && format["rate"] as? Int == 24000 ? .pcm24 : nil
        default: return nil
        }
    }

    // MARK: Caller audio

    private func append(_ state: inout State, _ base64: String) -> [FakeWebSocketVendor.Reply] {
        guard let data = Data(base64Encoded: base64), !data.isEmpty else {
            problem("append without base64 audio")
            return [error(&state, "invalid_request_error", "invalid_value", "Invalid 'audio'.")]
        }
        if !state.configured { problem("audio appended before session.update") }
        recorded.withLock { $0.appendedBytes.append(data.count) }
        let bytes = [UInt8](data)
        if state.input == .pcm24, bytes.count % 2 != 0 { problem("append of an odd number of PCM bytes") }
        let samples = state.input == .pcmu ? bytes.map(Self.ulawDecode) : stride(from: 0, to: bytes.count - 1, by: 2).map {
            Int16(bitPattern: UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8)
        }
        var replies: [FakeWebSocketVendor.Reply] = []
        let windowSize = state.input.rate / 50
        guard state.serverVAD else {
            state.inputMs += samples.count * 1000 / state.input.rate
            return []
        }
        state.window += samples
        while state.window.count >= windowSize {
            let window = state.window.prefix(windowSize)
            state.window.removeFirst(windowSize)
            state.inputMs += 20
            let rms = (window.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(windowSize)).squareRoot()
            if rms > FakeRealtimeServer.speechLevel {
                state.silentFor = 0
                if !state.inSpeech {
                    state.inSpeech = true
                    replies.append(event(&state, "input_audio_buffer.speech_started", ["audio_start_ms": state.inputMs - 20, "item_id": id(&state, "item")]))
                    if state.interruptResponse, let active = state.active {
                        state.active = nil
                        replies.append(responseDone(&state, active.response, status: "cancelled", reason: "turn_detected"))
                    }
                }
            } else if state.inSpeech {
                state.silentFor += 20
                if state.silentFor >= state.silenceMs {
                    state.inSpeech = false
                    state.silentFor = 0
                    replies += endOfTurn(&state)
                }
            }
        }
        return replies
    }

    private func endOfTurn(_ state: inout State) -> [FakeWebSocketVendor.Reply] {
        let item = id(&state, "item")
        var replies = [event(&state, "input_audio_buffer.speech_stopped", ["audio_end_ms": state.inputMs - state.silenceMs, "item_id": item])]
        replies += committedTurn(&state, item: item)
        if state.createResponse, state.active == nil { replies += respond(&state) }
        return replies
    }

    /// The caller's audio committed as a turn, and its transcription.
    private func committedTurn(_ state: inout State, item: String) -> [FakeWebSocketVendor.Reply] {
        let transcript = state.callerSaid.isEmpty ? "" : state.callerSaid.removeFirst()
        return [
            event(&state, "input_audio_buffer.committed", ["item_id": item]),
            event(&state, "conversation.item.added", ["item": ["id": item, "type": "message", "role": "user", "status": "completed",
                                                                "content": [["type": "input_audio", "transcript": NSNull()]]]]),
            event(&state, "conversation.item.input_audio_transcription.completed", [
                "item_id": item, "content_index": 0, "transcript": transcript,
                "usage": ["type": "duration", "seconds": 1],
            ]),
        ]
    }

    // MARK: Conversation

    private func itemCreate(_ state: inout State, _ item: [String: Any], eventID: String?) -> [FakeWebSocketVendor.Reply] {
        switch item["type"] as? String {
        case "message":
            let content = item["content"] as? [[String: Any]] ?? []
            let role = item["role"] as? String ?? ""
            // GA: user and system parts are input_text / input_audio, assistant parts output_text / output_audio.
            let kinds = role == "assistant" ? ("output_text", "output_audio") : ("input_text", "input_audio")
            guard ["user", "system", "assistant"].contains(role), !content.isEmpty,
                  content.allSatisfy({ $0["type"] as? String == kinds.0 && $0["text"] is String || $0["type"] as? String == kinds.1 })
            else {
                problem("conversation.item.create: bad message \(item)")
                return [error(&state, "invalid_request_error", "invalid_value", "Invalid message item.", param: "item", eventID: eventID)]
            }
        case "function_call_output":
            guard let callID = item["call_id"] as? String, state.callIDs.contains(callID), item["output"] is String else {
                problem("conversation.item.create: function_call_output for an unknown call or without output \(item)")
                return [error(&state, "invalid_request_error", "invalid_value", "Invalid function_call_output item.", param: "item.call_id", eventID: eventID)]
            }
        default:
            problem("conversation.item.create: unknown item type")
            return [error(&state, "invalid_request_error", "invalid_value", "Invalid item type.", param: "item.type", eventID: eventID)]
        }
        var added = item
        added["id"] = id(&state, "item")
        added["status"] = "completed"
        return [event(&state, "conversation.item.added", ["item": added]), event(&state, "conversation.item.done", ["item": added])]
    }

    /// Plays the next scripted response (an empty one when the script has run out).
    private func respond(_ state: inout State) -> [FakeWebSocketVendor.Reply] {
        let next = state.responses.isEmpty ? nil : state.responses.removeFirst()
        let response = id(&state, "resp")
        switch next {
        case nil:
            return [event(&state, "response.created", ["response": ["id": response, "status": "in_progress"]]), responseDone(&state, response)]
        case .fail(let type, let code, let message):
            return [error(&state, type, code, message)]
        case .drop:
            return [.drop]
        case .functionCall(let name, let arguments, let callID):
            let item = id(&state, "item")
            state.callIDs.insert(callID)
            let call: [String: Any] = ["id": item, "type": "function_call", "call_id": callID, "name": name, "arguments": arguments, "status": "completed"]
            return [
                event(&state, "response.created", ["response": ["id": response, "status": "in_progress"]]),
                event(&state, "response.output_item.added", ["response_id": response, "output_index": 0, "item": call.merging(["status": "in_progress", "arguments": ""]) { $1 }]),
                event(&state, "response.function_call_arguments.done", [
                    "response_id": response, "item_id": item, "output_index": 0, "call_id": callID, "name": name, "arguments": arguments,
                ]),
                event(&state, "response.output_item.done", ["response_id": response, "output_index": 0, "item": call]),
                responseDone(&state, response, output: [call]),
            ]
        case .speech(let transcript, let duration, let finish):
            let item = id(&state, "item")
            let ids: [String: Any] = ["response_id": response, "item_id": item, "output_index": 0, "content_index": 0]
            var replies = [
                event(&state, "response.created", ["response": ["id": response, "status": "in_progress"]]),
                event(&state, "response.output_item.added", ["response_id": response, "output_index": 0,
                                                              "item": ["id": item, "type": "message", "role": "assistant", "status": "in_progress", "content": []]]),
                event(&state, "response.content_part.added", ids.merging(["part": ["type": "output_audio", "transcript": ""]]) { $1 }),
            ]
            let bytes = Self.tone(duration, state.output)
            state.itemAudioMs[item] = Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
            // Uneven pieces (odd sizes split PCM samples across deltas, as a client must cope with).
            let sizes = [997, 211, 1531, 64, 2053]
            var offset = 0, piece = 0
            while offset < bytes.count {
                let size = min(sizes[piece % sizes.count], bytes.count - offset)
                let chunk = Data(bytes[offset..<offset + size]).base64EncodedString()
                replies.append(event(&state, "response.output_audio.delta", ids.merging(["delta": chunk]) { $1 }))
                offset += size
                piece += 1
            }
            guard finish else {
                state.active = (response, item)
                return replies
            }
            let message: [String: Any] = ["id": item, "type": "message", "role": "assistant", "status": "completed",
                                          "content": [["type": "output_audio", "transcript": transcript]]]
            replies += [
                event(&state, "response.output_audio.done", ids),
                event(&state, "response.output_audio_transcript.done", ids.merging(["transcript": transcript]) { $1 }),
                event(&state, "response.content_part.done", ids.merging(["part": ["type": "output_audio", "transcript": transcript]]) { $1 }),
                event(&state, "response.output_item.done", ["response_id": response, "output_index": 0, "item": message]),
                responseDone(&state, response, output: [message]),
            ]
            return replies
        }
    }

    private func cancel(_ state: inout State, eventID: String?) -> [FakeWebSocketVendor.Reply] {
        guard let active = state.active else {
            return [error(&state, "invalid_request_error", "response_cancel_not_active", "Cancellation failed: no active response found", eventID: eventID)]
        }
        state.active = nil
        return [responseDone(&state, active.response, status: "cancelled", reason: "client_cancelled")]
    }

    private func truncate(_ state: inout State, _ object: [String: Any], eventID: String?) -> [FakeWebSocketVendor.Reply] {
        guard let item = object["item_id"] as? String, let audioMs = state.itemAudioMs[item] else {
            problem("truncate of an unknown item")
            return [error(&state, "invalid_request_error", "invalid_value", "Item not found.", param: "item_id", eventID: eventID)]
        }
        guard object["content_index"] as? Int == 0, let end = object["audio_end_ms"] as? Int, (0...audioMs).contains(end) else {
            problem("truncate: bad content_index or audio_end_ms (item has \(audioMs) ms): \(object)")
            return [error(&state, "invalid_request_error", "invalid_value", "Audio content of \(audioMs)ms is shorter than audio_end_ms.",
                          param: "audio_end_ms", eventID: eventID)]
        }
        return [event(&state, "conversation.item.truncated", ["item_id": item, "content_index": 0, "audio_end_ms": end])]
    }

    // MARK: Events

    private func responseDone(
        _ state: inout State, _ response: String, status: String = "completed", reason: String? = nil, output: [[String: Any]] = []
    ) -> FakeWebSocketVendor.Reply {
        var body: [String: Any] = ["id": response, "object": "realtime.response", "status": status, "output": output]
        if let reason { body["status_details"] = ["type": status, "reason": reason] }
        return event(&state, "response.done", ["response": body])
    }

    private func error(
        _ state: inout State, _ type: String, _ code: String, _ message: String, param: String? = nil, eventID: String? = nil
    ) -> FakeWebSocketVendor.Reply {
        event(&state, "error", ["error": [
            "type": type, "code": code, "message": message, "param": param ?? NSNull(), "event_id": eventID ?? NSNull(),
        ] as [String: Any]])
    }

    private func event(_ state: inout State, _ type: String, _ fields: [String: Any]) -> FakeWebSocketVendor.Reply {
        var object = fields
        object["type"] = type
        object["event_id"] = id(&state, "event")
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return .text(String(decoding: data, as: UTF8.self))
    }

    private func id(_ state: inout State, _ prefix: String) -> String {
        state.nextID += 1
        return "\(prefix)_\(state.nextID)"
    }

    private func problem(_ text: String) {
        recorded.withLock { $0.problems.append(text) }
    }

    // MARK: Audio

    /// A 440 Hz tone at amplitude 8000 lasting `duration`, encoded in `format`.
    static func tone(_ duration: Duration, _ format: Format) -> [UInt8] {
        let count = Int(duration.components.seconds) * format.rate + Int(duration.components.attoseconds / 1_000_000_000_000) * format.rate / 1_000_000
        let samples = (0..<count).map { Int16(8000 * sin(2 * Double.pi * 440 * Double($0) / Double(format.rate))) }
        switch format {
        case .pcmu: return samples.map(ulawEncode)
        case .pcm24: return samples.flatMap { [UInt8(truncatingIfNeeded: UInt16(bitPattern: $0)), UInt8(truncatingIfNeeded: UInt16(bitPattern: $0) >> 8)] }
        }
    }

    /// G.711 mu-law (the classic bias-and-segment algorithm, independent of the gateway's table codec).
    static func ulawEncode(_ sample: Int16) -> UInt8 {
        var value = Int(sample)
        let sign: UInt8 = value < 0 ? 0x80 : 0
        value = min(abs(value), 32635) + 0x84
        var exponent = 7
        while exponent > 0 && value & (0x4000 >> (7 - exponent)) == 0 { exponent -= 1 }
        return ~(sign | UInt8(exponent << 4) | UInt8((value >> (exponent + 3)) & 0x0F))
    }

    static func ulawDecode(_ byte: UInt8) -> Int16 {
        let u = ~byte
        let magnitude = ((Int(u & 0x0F) << 3) + 0x84) << Int((u >> 4) & 0x07)
        return Int16(u & 0x80 != 0 ? 0x84 - magnitude : magnitude - 0x84)
    }
}
