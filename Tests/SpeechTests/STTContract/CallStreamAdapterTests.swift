import Domain
import Foundation
import Logging
import Synchronization
import Testing
import TestSupport

@testable import Speech

/// Deepgram and Transcribe keeping one stream for a whole call, against WebSocket fakes that check what
/// the vendor documents: one handshake, audio frames, Deepgram's `Finalize` / `CloseStream`, Transcribe's
/// empty `AudioEvent`; and answering with partials, segments and end-of-speech decisions.
@Suite("Whole-call transcription streams against fake vendors")
struct CallStreamAdapterTests {
    static let logger = Logger(label: "test")
    static let frame = AudioFrame(samples: (0..<320).map { Int16(truncatingIfNeeded: $0 * 37) }, sampleRate: 16_000)

    /// Collects a stream's events as they come.
    final class Collected: Sendable {
        let all = Mutex<[CallTranscriptionEvent]>([])
        let finished = Mutex(false)
        init(_ stream: any CallTranscriptionStream) {
            Task {
                for await event in stream.events { self.all.withLock { $0.append(event) } }
                self.finished.withLock { $0 = true }
            }
        }
        var events: [CallTranscriptionEvent] { all.withLock { $0 } }
        var isFinished: Bool { finished.withLock { $0 } }
    }

    static func deepgramResult(_ text: String, final: Bool, speechFinal: Bool, fromFinalize: Bool = false) -> String {
        #"{"type":"Results","channel_index":[0,1],"duration":1.0,"start":0.0,"is_final":\#(final),"speech_final":\#(speechFinal),"channel":{"alternatives":[{"transcript":"\#(text)","confidence":0.95,"words":[]}]},"metadata":{"request_id":"a1b2","model_info":{"name":"2-general-nova","version":"2024-01-09.29447","arch":"nova-2"},"model_uuid":"c0d1"},"from_finalize":\#(fromFinalize)}"#
    }

    @Test func deepgramKeepsOneSocketAndReportsPartialsSegmentsAndEndsOfSpeech() async throws {
        let audio = Mutex(0)
        let server = try await FakeWebSocketVendor(
            upgrade: { $0.header("Authorization") == "Token secret-key" ? nil : 401 },
            respond: { _, message in
                switch message {
                case .binary:
                    let count = audio.withLock { $0 += 1; return $0 }
                    switch count {
                    case 10: return [.text(Self.deepgramResult("what is", final: false, speechFinal: false))]
                    case 20: return [.text(Self.deepgramResult("what is my balance", final: true, speechFinal: true))]
                    case 40: return [.text(#"{"type":"UtteranceEnd","channel":[0,1],"last_word_end":2.1}"#)]
                    default: return []
                    }
                case .text(#"{"type":"Finalize"}"#):
                    return [.text(Self.deepgramResult("and savings", final: true, speechFinal: false, fromFinalize: true))]
                case .text(#"{"type":"CloseStream"}"#):
                    return [.text(StreamingSTTFakes.metadata), .close(code: 1000)]
                case .text:
                    return [.close(code: 1008, reason: "DATA-0000")]
                }
            })
        let stt = DeepgramSpeechToText(configuration: .init(baseURL: server.baseURL, apiKey: "secret-key", timeout: .seconds(30)), logger: Self.logger)
        let stream = try await stt.startCallStream(TranscriptionOptions(language: "en-US", phrases: ["balance"]))
        let collected = Collected(stream)
        for _ in 0..<45 { try await stream.send(Self.frame) }
        #expect(await eventually { collected.events.count == 3 })
        await stream.finalize()
        #expect(await eventually { collected.events.count == 4 })
        await stream.close()
        #expect(await eventually { collected.isFinished })
        #expect(collected.events == [
            .partial("what is"),
            .segment(Transcript(text: "what is my balance", isFinal: true, confidence: 0.95), endOfSpeech: true),
            .segment(Transcript(text: "", isFinal: true), endOfSpeech: true),
            .segment(Transcript(text: "and savings", isFinal: true, confidence: 0.95), endOfSpeech: false),
        ])
        #expect(server.handshakes.count == 1)
        let handshake = try #require(server.handshakes.first)
        #expect(handshake.query("utterance_end_ms") == "1000")
        #expect(handshake.query("interim_results") == "true")
        #expect(audio.withLock { $0 } == 45)
        await server.close()
    }

    @Test func aDeepgramStreamClosedByTheVendorFailsOnceAndRefusesMoreAudio() async throws {
        let server = try await FakeWebSocketVendor(respond: { _, message in
            if case .binary = message { return [.close(code: 1011, reason: "NET-0001: no audio received")] }
            return []
        })
        let stt = DeepgramSpeechToText(configuration: .init(baseURL: server.baseURL, apiKey: "k", timeout: .seconds(30)), logger: Self.logger)
        let stream = try await stt.startCallStream(TranscriptionOptions())
        let collected = Collected(stream)
        try await stream.send(Self.frame)
        #expect(await eventually { collected.isFinished })
        guard case .failed(let error) = collected.events.last else {
            Issue.record("no failure reported: \(collected.events)")
            return
        }
        #expect(error.kind == .server)
        await #expect(throws: ProviderError.self) { try await stream.send(Self.frame) }
        await server.close()
    }

    @Test func aRefusedDeepgramHandshakeIsClassified() async throws {
        let server = try await FakeWebSocketVendor(upgrade: { _ in 401 }, respond: { _, _ in [] })
        let stt = DeepgramSpeechToText(configuration: .init(baseURL: server.baseURL, apiKey: "k", timeout: .seconds(30)), logger: Self.logger)
        do {
            _ = try await stt.startCallStream(TranscriptionOptions())
            Issue.record("the stream opened")
        } catch {
            #expect(error.kind == .auth)
        }
        await server.close()
    }

    @Test func transcribeEndsASegmentAtEachFinalResultAndHasNoFlush() async throws {
        let problems = ProblemLog()
        let audio = Mutex(0)
        let server = try await FakeWebSocketVendor(
            upgrade: { handshake in
                let found = StreamingSTTFakes.checkTranscribe(handshake)
                problems.add(found)
                return found.isEmpty ? nil : 403
            },
            respond: { _, message in
                switch StreamingSTTFakes.transcribeStep(message, problems) {
                case .audio:
                    let count = audio.withLock { $0 += 1; return $0 }
                    if count == 10 { return [.binary(StreamingSTTFakes.transcriptEvent("what is", partial: true))] }
                    if count == 20 { return [.binary(StreamingSTTFakes.transcriptEvent("what is my balance", partial: false))] }
                    return []
                case .end: return [.close(code: 1000)]
                case .bad: return []
                }
            })
        let credentials = AWSCredentials(accessKeyID: "AKID", secretAccessKey: "secret")
        let stt = TranscribeSpeechToText(
            configuration: .init(region: "us-east-1", credentials: credentials, endpoint: server.baseURL, timeout: .seconds(30)), logger: Self.logger)
        let stream = try await stt.startCallStream(TranscriptionOptions())
        let collected = Collected(stream)
        for _ in 0..<25 { try await stream.send(Self.frame) }
        #expect(await eventually { collected.events.count == 2 })
        await stream.finalize()  // Transcribe has no such message: nothing is sent
        await stream.close()
        #expect(await eventually { collected.isFinished })
        #expect(collected.events == [
            .partial("what is"), .segment(Transcript(text: "what is my balance", isFinal: true), endOfSpeech: true),
        ])
        #expect(problems.all.isEmpty, "\(problems.all)")
        #expect(server.handshakes.count == 1)
        #expect(audio.withLock { $0 } == 25)
        await server.close()
    }
}
