import Foundation
import Synchronization
import TestSupport

@testable import Speech

/// The streaming STT vendors (Amazon Transcribe, Deepgram) as WebSocket fakes: each checks the handshake
/// (auth, query) and every frame, and answers partial then final results like the vendor.
enum StreamingSTTFakes {
    static let spoken = HTTPSTTFakes.spoken
    /// The audio message after which the fake sends its interim result.
    static let partialAfter = 10

    static func make(_ vendor: STTVendor, _ behaviour: STTBehaviour, audio: [Int16]) async throws -> FakeSTTVendor {
        let problems = ProblemLog()
        let received = Mutex<(audio: [UInt8], messages: Int, ended: Bool)>(([], 0, false))
        let server = try await FakeWebSocketVendor(
            upgrade: { handshake in
                let found = vendor == .transcribe ? checkTranscribe(handshake) : checkDeepgram(handshake)
                problems.add(found)
                if found.contains(where: { $0.hasPrefix("auth:") }) { return vendor == .transcribe ? 403 : 401 }
                return behaviour == .rateLimited && vendor == .deepgram ? 429 : nil
            },
            respond: { _, message in
                let step: Step = received.withLock { state in
                    let step = vendor == .transcribe ? transcribeStep(message, problems) : deepgramStep(message, problems)
                    if case .audio(let bytes) = step { state.audio += bytes; state.messages += 1 }
                    if case .end = step { state.ended = true }
                    return step
                }
                switch step {
                case .audio:
                    return received.withLock { $0.messages } == partialAfter ? [reply(vendor, partial: true)] : []
                case .end: return script(vendor, behaviour)
                case .bad: return []
                }
            })
        return FakeSTTVendor(base: server.baseURL, problems: {
            let state = received.withLock { $0 }
            var all = problems.all
            if server.handshakes.isEmpty { all.append("no handshake reached the vendor") }
            if state.audio != HTTPSTTFakes.littleEndian(audio) { all.append("audio received (\(state.audio.count) bytes) is not the utterance") }
            if !state.ended { all.append("no end-of-audio message") }
            return all
        }) { await server.close() }
    }

    enum Step { case audio([UInt8]), end, bad }

    // MARK: Amazon Transcribe

    /// https://docs.aws.amazon.com/transcribe/latest/dg/streaming-setting-up.html: SigV4 presigned query,
    /// service `transcribe`, only `host` signed, X-Amz-Expires at most 300.
    static func checkTranscribe(_ h: FakeWebSocketVendor.Handshake) -> [String] {
        var problems: [String] = []
        func expect(_ ok: Bool, _ what: String) { if !ok { problems.append(what) } }
        expect(h.path == "/stream-transcription-websocket", "path \(h.path)")
        expect(h.query("language-code") == "en-US", "language-code")
        expect(h.query("media-encoding") == "pcm", "media-encoding")
        expect(h.query("sample-rate") == "16000", "sample-rate")
        expect(h.query("X-Amz-Algorithm") == "AWS4-HMAC-SHA256", "X-Amz-Algorithm")
        expect(h.query("X-Amz-SignedHeaders") == "host", "X-Amz-SignedHeaders")
        expect(Int(h.query("X-Amz-Expires") ?? "") ?? 999 <= 300, "X-Amz-Expires")
        let credential = h.query("X-Amz-Credential")?.removingPercentEncoding ?? ""
        let scope = credential.split(separator: "/")
        expect(scope.count == 5 && scope[0] == "AKID" && scope[2] == "us-east-1" && scope[3] == "transcribe" && scope[4] == "aws4_request",
               "auth: X-Amz-Credential \(credential)")
        // Recompute the signature the way AWS does, with the secret the vendor knows.
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        guard let date = formatter.date(from: h.query("X-Amz-Date") ?? ""), let host = h.header("Host"), let signature = h.query("X-Amz-Signature") else {
            return problems + ["auth: X-Amz-Date, Host or X-Amz-Signature missing"]
        }
        let signer = SigV4Signer(credentials: AWSCredentials(accessKeyID: "AKID", secretAccessKey: "secret"), region: "us-east-1", service: "transcribe")
        let plain = h.query.filter { !$0.0.hasPrefix("X-Amz-") }.map { ($0.0, $0.1.removingPercentEncoding ?? $0.1) }
        let expected = signer.presignedQuery(method: "GET", host: host, path: h.path, query: plain, expires: Int(h.query("X-Amz-Expires") ?? "") ?? 0, date: date)
        expect(expected.hasSuffix("&X-Amz-Signature=\(signature)"), "auth: X-Amz-Signature does not match")
        return problems
    }

    /// Every client message must be an `AudioEvent` with valid CRCs; an empty one ends the audio.
    static func transcribeStep(_ message: FakeWebSocketVendor.Message, _ problems: ProblemLog) -> Step {
        guard case .binary(let bytes) = message else { problems.add(["text frame from the client"]); return .bad }
        do {
            let event = try EventStreamMessage.decode(bytes)
            guard event.headers[":message-type"] == "event", event.headers[":event-type"] == "AudioEvent",
                  event.headers[":content-type"] == "application/octet-stream" else {
                problems.add(["not an AudioEvent: \(event.headers)"])
                return .bad
            }
            return event.payload.isEmpty ? .end : .audio(event.payload)
        } catch {
            problems.add(["undecodable event-stream message: \(error)"])
            return .bad
        }
    }

    static func transcriptEvent(_ text: String, partial: Bool) -> [UInt8] {
        // https://docs.aws.amazon.com/transcribe/latest/APIReference/API_streaming_TranscriptEvent.html
        let json = #"{"Transcript":{"Results":[{"Alternatives":[{"Items":[],"Transcript":"\#(text)"}],"ChannelId":"ch_0","EndTime":1.9,"IsPartial":\#(partial),"ResultId":"4b2c","StartTime":0.1}]}}"#
        return EventStreamMessage(
            headers: [":message-type": "event", ":event-type": "TranscriptEvent", ":content-type": "application/json"], payload: Array(json.utf8)
        ).encoded()
    }

    static func exception(_ type: String, _ message: String) -> FakeWebSocketVendor.Reply {
        .binary(EventStreamMessage(
            headers: [":message-type": "exception", ":exception-type": type, ":content-type": "application/json"],
            payload: Array(#"{"Message":"\#(message)"}"#.utf8)
        ).encoded())
    }

    // MARK: Deepgram

    /// https://developers.deepgram.com/reference/speech-to-text-api/listen-streaming
    static func checkDeepgram(_ h: FakeWebSocketVendor.Handshake) -> [String] {
        var problems: [String] = []
        func expect(_ ok: Bool, _ what: String) { if !ok { problems.append(what) } }
        expect(h.path == "/v1/listen", "path \(h.path)")
        expect(h.header("Authorization") == "Token secret-key", "auth: Authorization \(h.header("Authorization") ?? "missing")")
        expect(h.query("encoding") == "linear16", "encoding")
        expect(h.query("sample_rate") == "16000", "sample_rate")
        expect(h.query("channels") == "1", "channels")
        expect(h.query("interim_results") == "true", "interim_results")
        expect(Int(h.query("endpointing") ?? "") != nil, "endpointing")
        expect(h.query.contains { $0 == ("keywords", "balance") }, "keywords")
        return problems
    }

    static func deepgramStep(_ message: FakeWebSocketVendor.Message, _ problems: ProblemLog) -> Step {
        switch message {
        case .binary(let bytes): return .audio(bytes)
        case .text(let text):
            if text == #"{"type":"CloseStream"}"# { return .end }
            problems.add(["unexpected text message \(text)"])
            return .bad
        }
    }

    static func results(_ text: String, final: Bool) -> String {
        #"{"type":"Results","channel_index":[0,1],"duration":1.9,"start":0.0,"is_final":\#(final),"speech_final":\#(final),"channel":{"alternatives":[{"transcript":"\#(text)","confidence":0.97,"words":[]}]},"metadata":{"request_id":"a1b2","model_info":{"name":"2-general-nova","version":"2024-01-09.29447","arch":"nova-2"},"model_uuid":"c0d1"},"from_finalize":false}"#
    }

    static let metadata = #"{"type":"Metadata","transaction_key":"deprecated","request_id":"a1b2","sha256":"5a0e","created":"2026-11-24T07:00:00.000Z","duration":2.1,"channels":1,"models":["c0d1"],"model_info":{}}"#

    // MARK: Scripts

    static func reply(_ vendor: STTVendor, partial: Bool) -> FakeWebSocketVendor.Reply {
        let text = partial ? "what is" : spoken
        return vendor == .transcribe ? .binary(transcriptEvent(text, partial: partial)) : .text(results(text, final: !partial))
    }

    /// What the vendor sends after the end of audio.
    static func script(_ vendor: STTVendor, _ behaviour: STTBehaviour) -> [FakeWebSocketVendor.Reply] {
        let transcribe = vendor == .transcribe
        switch behaviour {
        case .answer:
            return [reply(vendor, partial: false)] + (transcribe ? [] : [.text(metadata)]) + [.close(code: 1000)]
        case .unauthorized: return [.close(code: 1008, reason: "unexpected")]
        case .rateLimited:
            return [exception("LimitExceededException", "You have reached your limit of concurrent streams"), .close(code: 1000)]
        case .serverError:
            return transcribe ? [exception("InternalFailureException", "An internal error occurred"), .close(code: 1000)]
                : [.close(code: 1011, reason: "NET-0000: The service has not transmitted a Text frame")]
        case .slow: return [.pause(.seconds(5)), reply(vendor, partial: false), .close(code: 1000)]
        case .invalidJSON:
            return transcribe ? [.binary(EventStreamMessage(headers: [":message-type": "event", ":event-type": "TranscriptEvent"], payload: Array("{oops".utf8)).encoded())]
                : [.text(#"{"type":"Results","channel":"#)]
        case .errorBodyWith200:
            return transcribe ? [exception("BadRequestException", "Your request timed out because no new audio was received")]
                : [.text(#"{"type":"Error","description":"Something went wrong","message":"internal","variant":"error"}"#)]
        case .wrongContentType: return transcribe ? [.text(#"{"Message":"text"}"#)] : [.binary([1, 2, 3])]
        case .cutOff: return [reply(vendor, partial: true), .drop]
        case .corruptFrame:
            var bytes = transcriptEvent(spoken, partial: false)
            bytes[bytes.count - 1] ^= 0xFF  // message CRC no longer matches
            return transcribe ? [.binary(bytes)] : [.text("\u{1}\u{2}not json")]
        }
    }
}
