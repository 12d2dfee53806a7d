@testable import Agent
import Domain
import Foundation
import Logging
import Synchronization
import Testing
import TestSupport

/// The OpenAI Realtime agent against a fake of the GA protocol on loopback (real WebSocket): what it
/// configures, the audio it appends, how server events become `SpeechToSpeechEvent`s, function calls,
/// barge-in, failures. No sleeps and no clock: every wait is `eventually` on what the fake recorded or on
/// the events that came.
@Suite("OpenAI Realtime agent")
struct OpenAIRealtimeAgentTests {
    static let context = AgentContext(callID: "c", conversationID: "v", tenantID: "t")

    static func agent(
        _ server: FakeRealtimeServer, key: String = "sk-test", voice: String = "alloy", greeting: String = "",
        connectTimeout: Duration = .seconds(30)
    ) -> OpenAIRealtimeAgent {
        OpenAIRealtimeAgent(
            configuration: .init(
                url: server.url, apiKey: key, voice: voice, instructions: "Be brief.", greeting: greeting, connectTimeout: connectTimeout),
            logger: Logger(label: "test"))
    }

    /// 20 ms frames of a 440 Hz tone (speech to the fake's VAD) at `rate`.
    static func tone(_ duration: Duration, rate: Int = 16000) -> [AudioFrame] {
        let perFrame = rate / 50
        return (0..<Int(duration.milliseconds / 20)).map { index in
            AudioFrame(samples: (0..<perFrame).map { i in
                Int16(6000 * sin(2 * Double.pi * 440 * Double(index * perFrame + i) / Double(rate)))
            }, sampleRate: rate)
        }
    }

    static func silence(_ duration: Duration, rate: Int = 16000) -> [AudioFrame] {
        (0..<Int(duration.milliseconds / 20)).map { _ in AudioFrame.silence(sampleRate: rate) }
    }

    /// A caller turn the fake's VAD hears: speech, then enough silence to end it.
    static func speak(_ session: any SpeechToSpeechSession, rate: Int = 16000) async {
        for frame in tone(.milliseconds(600), rate: rate) + silence(.milliseconds(900), rate: rate) { await session.send(frame) }
    }

    /// JSON text with sorted keys (for comparing parts of a client event).
    static func json(_ value: Any?) -> String {
        guard let value, let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            return "nil"
        }
        return String(decoding: data, as: UTF8.self)
    }

    static func wait(_ what: @autoclosure () -> Bool) async -> Bool {
        await eventually(timeout: .seconds(30)) { what() }
    }

    @Test func aG711LineIsConfiguredForMuLawBothWays() async throws {
        let server = try await FakeRealtimeServer()
        let session = try await Self.agent(server).connect(Self.context, lineRate: 8000)
        let log = EventLog(session)

        let handshake = try #require(server.handshakes.first)
        #expect(handshake.path == "/v1/realtime")
        #expect(handshake.query("model") == "gpt-realtime")
        #expect(handshake.header("Authorization") == "Bearer sk-test")
        #expect(handshake.header("OpenAI-Beta") == nil)
        #expect(server.clientEventTypes.first == "session.update")

        let update = try #require(server.events("session.update").first?["session"] as? [String: Any])
        #expect(update["type"] as? String == "realtime")
        #expect(update["model"] as? String == "gpt-realtime")
        #expect(update["instructions"] as? String == "Be brief.")
        #expect(update["output_modalities"] as? [String] == ["audio"])
        let audio = try #require(update["audio"] as? [String: Any])
        let input = try #require(audio["input"] as? [String: Any])
        let output = try #require(audio["output"] as? [String: Any])
        #expect(Self.json(input["format"]) == #"{"type":"audio/pcmu"}"#)
        #expect(Self.json(output["format"]) == #"{"type":"audio/pcmu"}"#)
        #expect(output["voice"] as? String == "alloy")
        #expect(Self.json(input["transcription"]) == #"{"language":"en","model":"gpt-4o-mini-transcribe"}"#)
        #expect(Self.json(input["turn_detection"]) == #"{"create_response":true,"interrupt_response":true,"prefix_padding_ms":300,"silence_duration_ms":500,"threshold":0.5,"type":"server_vad"}"#)

        let tools = try #require(update["tools"] as? [[String: Any]])
        #expect(tools.compactMap { $0["name"] as? String } == ["transfer_call", "end_call", "collect_digits"])
        for tool in tools {
            #expect(tool["type"] as? String == "function")
            #expect(tool["function"] == nil)
            #expect(tool["description"] is String)
            #expect((tool["parameters"] as? [String: Any])?["type"] as? String == "object")
        }
        #expect((tools[0]["parameters"] as? [String: Any])?["required"] as? [String] == ["target"])
        #expect(server.problems == [])

        // The gateway closing the session ends the events without an error.
        await session.close()
        #expect(await Self.wait(log.finished))
        #expect(log.error == nil)
        await server.close()
    }

    @Test func aWidebandLineIsConfiguredForPCMAt24kHz() async throws {
        let server = try await FakeRealtimeServer()
        let session = try await Self.agent(server).connect(Self.context, lineRate: 16000)
        let update = try #require(server.events("session.update").first?["session"] as? [String: Any])
        let audio = update["audio"] as? [String: Any]
        #expect(Self.json((audio?["input"] as? [String: Any])?["format"]) == #"{"rate":24000,"type":"audio/pcm"}"#)
        #expect(Self.json((audio?["output"] as? [String: Any])?["format"]) == #"{"rate":24000,"type":"audio/pcm"}"#)
        #expect(server.problems == [])
        await session.close()
        await server.close()
    }

    /// 16 kHz frames are resampled to the session's rate and appended about 100 ms at a time.
    @Test(arguments: [(8000, 800), (16000, 4800)])
    func callerAudioIsAppendedInBatchesOf100ms(lineRate: Int, batchBytes: Int) async throws {
        let server = try await FakeRealtimeServer()
        let session = try await Self.agent(server).connect(Self.context, lineRate: lineRate)
        // One second, in 20 ms frames; a tail shorter than a batch waits for more audio.
        for frame in Self.silence(.seconds(1)) { await session.send(frame) }
        let perSecond = batchBytes * 10
        #expect(await Self.wait(server.appendedBytes.count == 9))
        #expect(server.appendedBytes.allSatisfy { $0 == batchBytes })
        // The converter holds back a few samples (its filter's delay), and a tail shorter than a batch
        // waits: 9 batches so far; 100 ms more and the whole second is out.
        #expect(server.appendedBytes.reduce(0, +) == perSecond - batchBytes)
        for frame in Self.silence(.milliseconds(100)) { await session.send(frame) }
        #expect(await Self.wait(server.appendedBytes.count == 10))
        #expect(server.appendedBytes.reduce(0, +) == perSecond)
        // Frames of other rates are converted too: 8 kHz and 24 kHz frames add their duration in the session's format.
        for frame in Self.silence(.seconds(1), rate: 8000) + Self.silence(.seconds(1), rate: 24000) { await session.send(frame) }
        #expect(await Self.wait(server.appendedBytes.reduce(0, +) >= 3 * perSecond - batchBytes))
        #expect(server.appendedBytes.allSatisfy { $0 == batchBytes })
        #expect(server.appendedBytes.reduce(0, +) <= 3 * perSecond + batchBytes)
        #expect(server.problems == [])
        await session.close()
        await server.close()
    }

    /// The caller speaks, stops; the model hears the turn, answers with audio and its transcript.
    @Test(arguments: [(8000, 8000), (16000, 24000)])
    func aWholeTurn(lineRate: Int, outputRate: Int) async throws {
        let server = try await FakeRealtimeServer(
            callerSaid: ["I need help with my bill"], responses: [.speech("Sure, I can help with that.", duration: .milliseconds(700))])
        let session = try await Self.agent(server).connect(Self.context, lineRate: lineRate)
        let log = EventLog(session)
        await Self.speak(session)
        #expect(await Self.wait(log.events.contains(.responseDone)))

        let events = log.events
        let audio = events.compactMap { if case .audio(let frame) = $0 { frame } else { nil } }
        #expect(events.filter { if case .audio = $0 { false } else { true } } == [
            .speechStarted, .speechStopped, .callerSaid("I need help with my bill"), .agentSaid("Sure, I can help with that."), .responseDone,
        ])
        // The audio comes between what the caller said and the transcript of the answer.
        let firstAudio = try #require(events.firstIndex { if case .audio = $0 { true } else { false } })
        let lastAudio = try #require(events.lastIndex { if case .audio = $0 { true } else { false } })
        #expect(events.firstIndex(of: .callerSaid("I need help with my bill"))! < firstAudio)
        #expect(lastAudio < events.firstIndex(of: .agentSaid("Sure, I can help with that."))!)
        #expect(audio.count > 2)
        #expect(audio.allSatisfy { $0.sampleRate == outputRate })
        #expect(audio.reduce(0) { $0 + $1.samples.count } == outputRate * 7 / 10)
        #expect(audio.map(\.rms).max()! > 3000)  // the tone, decoded (not noise from a wrong byte order)
        #expect(server.problems == [])
        await session.close()
        await server.close()
    }

    @Test func theGreetingIsSpokenFirst() async throws {
        let server = try await FakeRealtimeServer(responses: [.speech("Thanks for calling Acme.")])
        let session = try await Self.agent(server, greeting: "Thanks for calling Acme.").connect(Self.context, lineRate: 8000)
        let log = EventLog(session)
        #expect(await Self.wait(log.events.contains(.responseDone)))
        #expect(Array(server.clientEventTypes.prefix(2)) == ["session.update", "response.create"])
        let instructions = (server.events("response.create").first?["response"] as? [String: Any])?["instructions"] as? String
        #expect(instructions == "Say exactly: Thanks for calling Acme.")
        #expect(log.events.first.map { if case .audio = $0 { true } else { false } } == true)
        #expect(log.events.suffix(2) == [.agentSaid("Thanks for calling Acme."), .responseDone])
        #expect(server.problems == [])
        await session.close()
        await server.close()
    }

    /// A call resumed after a restart: the model gets the conversation so far (not the daemon's own
    /// lines) and is not asked for the greeting again.
    @Test func aResumedCallGivesTheModelItsHistoryInsteadOfTheGreeting() async throws {
        let server = try await FakeRealtimeServer()
        let at = Timestamp(millisecondsSinceEpoch: 0)
        var context = Self.context
        context.history = [
            HistoryLine(speaker: .agent, text: "Thanks for calling Acme.", at: at),
            HistoryLine(speaker: .caller, text: "I want to pay my bill", at: at),
            HistoryLine(speaker: .system, text: "Sorry, where were we?", at: at),
        ]
        let session = try await Self.agent(server, greeting: "Thanks for calling Acme.").connect(context, lineRate: 8000)
        #expect(await Self.wait(server.events("conversation.item.create").count == 2))
        let items = server.events("conversation.item.create").compactMap { $0["item"] as? [String: Any] }
        #expect(items.map { $0["role"] as? String } == ["assistant", "user"])
        let parts = items.compactMap { ($0["content"] as? [[String: Any]])?.first }
        #expect(parts.map { $0["type"] as? String } == ["output_text", "input_text"])
        #expect(parts.map { $0["text"] as? String } == ["Thanks for calling Acme.", "I want to pay my bill"])
        #expect(server.events("response.create").isEmpty, "no greeting on a resumed call")
        #expect(server.problems == [])
        await session.close()
        await server.close()
    }

    /// `turn_detection: daemon`: no server VAD (`turn_detection: null`); the daemon ends each turn, which
    /// commits the caller's audio (the rest of the last batch first) and asks for the answer.
    @Test func withTheDaemonsEndpointingEachTurnIsCommittedByTheClient() async throws {
        let server = try await FakeRealtimeServer(callerSaid: ["what are your hours"], responses: [.speech("Nine to five.")])
        let agent = OpenAIRealtimeAgent(
            configuration: .init(url: server.url, apiKey: "sk-test", turnDetection: .init(byServer: false), connectTimeout: .seconds(30)),
            logger: Logger(label: "test"))
        let session = try await agent.connect(Self.context, lineRate: 8000)
        #expect(!session.detectsTurns)
        let log = EventLog(session)
        let input = (server.events("session.update").first?["session"] as? [String: Any]).flatMap { ($0["audio"] as? [String: Any])?["input"] as? [String: Any] }
        #expect(input?.keys.contains("turn_detection") == true && input?["turn_detection"] is NSNull)
        for frame in Self.tone(.milliseconds(630)) { await session.send(frame) }
        #expect(log.events.isEmpty, "no server VAD: nothing happens until the turn is ended")
        await session.endTurn()
        #expect(await Self.wait(log.events.contains(.responseDone)))
        #expect(Array(server.clientEventTypes.suffix(2)) == ["input_audio_buffer.commit", "response.create"])
        // 630 ms at 8 kHz is 5040 bytes; the resampler keeps its filter delay (about 12 ms) back.
        #expect(server.appendedBytes.reduce(0, +) > 4900, "the audio before the commit was sent, not only whole 100 ms batches")
        #expect(log.events.filter { if case .audio = $0 { false } else { true } } == [
            .callerSaid("what are your hours"), .agentSaid("Nine to five."), .responseDone,
        ])
        #expect(server.problems == [])
        await session.close()
        await server.close()
    }

    @Test func withoutAGreetingTheModelWaitsForTheCaller() async throws {
        let server = try await FakeRealtimeServer()
        let session = try await Self.agent(server).connect(Self.context, lineRate: 8000)
        await session.say("hello")
        #expect(await Self.wait(server.clientEventTypes.count == 3))
        #expect(server.clientEventTypes == ["session.update", "conversation.item.create", "response.create"])
        let item = server.events("conversation.item.create").first?["item"]
        #expect(Self.json(item) == #"{"content":[{"text":"hello","type":"input_text"}],"role":"user","type":"message"}"#)
        await session.close()
        await server.close()
    }

    @Test func endCallBecomesAHangupAndItsResultIsAnswered() async throws {
        let server = try await FakeRealtimeServer(
            callerSaid: ["that's all, thanks"],
            responses: [.functionCall(name: "end_call", arguments: #"{"reason":"caller is done"}"#, callID: "call_1"), .speech("Goodbye!")])
        let session = try await Self.agent(server).connect(Self.context, lineRate: 8000)
        let log = EventLog(session)
        await Self.speak(session)
        #expect(await Self.wait(log.events.contains(.responseDone)))
        #expect(log.events == [.speechStarted, .speechStopped, .callerSaid("that's all, thanks"), .action(.hangup, callID: "call_1"), .responseDone])
        #expect(server.events("response.create").isEmpty)  // the server's VAD answered the turn

        await session.complete("call_1", output: "ending the call")
        #expect(await Self.wait(log.events.contains(.agentSaid("Goodbye!"))))
        let output = server.events("conversation.item.create").last?["item"]
        #expect(Self.json(output) == #"{"call_id":"call_1","output":"ending the call","type":"function_call_output"}"#)
        #expect(Array(server.clientEventTypes.filter { $0 != "input_audio_buffer.append" }.suffix(2)) == ["conversation.item.create", "response.create"])
        #expect(server.problems == [])
        await session.close()
        await server.close()
    }

    @Test func transferToANumber() async throws {
        let server = try await FakeRealtimeServer(responses: [
            .functionCall(name: "transfer_call", arguments: #"{"target":"+15551234567","reason":"wants a human"}"#, callID: "call_2"),
            .functionCall(name: "transfer_call", arguments: #"{"target":"queue:billing"}"#, callID: "call_3"),
        ])
        let session = try await Self.agent(server).connect(Self.context, lineRate: 8000)
        let log = EventLog(session)
        await session.say("a human please")
        #expect(await Self.wait(log.events.contains(.responseDone)))
        #expect(log.events == [.action(.transfer(.external(try PhoneNumber("+15551234567"))), callID: "call_2"), .responseDone])
        // The result comes after the answer is done: the next response.create goes out at once.
        await session.complete("call_2", output: "the line was busy")
        #expect(await Self.wait(log.events.count == 4))
        #expect(log.events.suffix(2) == [.action(.transfer(.queue("billing")), callID: "call_3"), .responseDone])
        #expect(server.problems == [])
        await session.close()
        await server.close()
    }

    @Test func refusedCallsAreAnsweredToTheModelNotActedOn() async throws {
        let server = try await FakeRealtimeServer(responses: [
            .functionCall(name: "collect_digits", arguments: #"{"max":99}"#, callID: "call_4"),
            .functionCall(name: "format_disk", arguments: "{}", callID: "call_5"),
            .functionCall(name: "transfer_call", arguments: "not json", callID: "call_6"),
            .speech("Sorry, how can I help?"),
        ])
        let session = try await Self.agent(server).connect(Self.context, lineRate: 8000)
        let log = EventLog(session)
        await session.say("my account")
        #expect(await Self.wait(log.events.contains(.agentSaid("Sorry, how can I help?"))))
        #expect(!log.events.contains { if case .action = $0 { true } else { false } })
        let outputs = server.events("conversation.item.create").compactMap { $0["item"] as? [String: Any] }
            .filter { $0["type"] as? String == "function_call_output" }
        #expect(outputs.map { $0["call_id"] as? String } == ["call_4", "call_5", "call_6"])
        #expect(outputs.allSatisfy { ($0["output"] as? String)?.hasPrefix("error:") == true })
        // Each answer is asked for once the refused call's response is done (the fake would refuse an
        // overlapping response.create as a problem).
        #expect(server.events("response.create").count == 4)
        #expect(server.problems == [])
        await session.close()
        await server.close()
    }

    @Test func collectDigitsWithAPromptIsTwoActionsOfOneCall() async throws {
        let server = try await FakeRealtimeServer(responses: [
            .functionCall(name: "collect_digits", arguments: ##"{"max":4,"terminator":"#","prompt":"Please key your PIN."}"##, callID: "call_7"),
        ])
        let session = try await Self.agent(server).connect(Self.context, lineRate: 8000)
        let log = EventLog(session)
        await session.say("my account")
        #expect(await Self.wait(log.events.contains(.responseDone)))
        #expect(log.events == [
            .action(.say("Please key your PIN."), callID: "call_7"), .action(.collectDigits(maxDigits: 4, terminator: "#"), callID: "call_7"),
            .responseDone,
        ])
        await session.close()
        await server.close()
    }

    @Test func aBargeInCancelsAndTruncatesAtWhatWasHeard() async throws {
        let server = try await FakeRealtimeServer(responses: [
            .speech("Let me tell you about our plans.", duration: .milliseconds(500), finish: false),
            .speech("Second answer.", duration: .milliseconds(200)),
            .speech("Yes."),
        ])
        let session = try await Self.agent(server).connect(Self.context, lineRate: 8000)
        let log = EventLog(session)
        // Nothing to stop before any assistant audio.
        await session.interrupt(played: .milliseconds(100))

        await session.say("what plans do you have")
        #expect(await Self.wait(log.audioSamples == 4000))
        await session.interrupt(played: .milliseconds(120))
        #expect(await Self.wait(log.events.contains(.responseDone)))
        #expect(server.clientEventTypes == ["session.update", "conversation.item.create", "response.create", "response.cancel", "conversation.item.truncate"])
        let truncate = try #require(server.events("conversation.item.truncate").first)
        #expect(truncate["audio_end_ms"] as? Int == 120)
        #expect(truncate["content_index"] as? Int == 0)
        #expect(!log.events.contains { if case .agentSaid = $0 { true } else { false } })

        // An answer fully received, then "played" longer than it lasts: the truncation stops at its end;
        // the cancel comes too late (response_cancel_not_active), which is harmless.
        await session.say("anything else")
        #expect(await Self.wait(log.events.contains(.agentSaid("Second answer."))))
        await session.interrupt(played: .seconds(2))
        #expect(await Self.wait(server.events("conversation.item.truncate").count == 2))
        #expect(server.events("conversation.item.truncate").last?["audio_end_ms"] as? Int == 200)
        await session.say("still there?")
        #expect(await Self.wait(log.events.contains(.agentSaid("Yes."))))
        #expect(log.error == nil && !log.finished)
        #expect(server.problems == [])
        await session.close()
        await server.close()
    }

    /// A turn handed in while the model speaks is added at once, but answered only once the answer in
    /// progress is over (the vendor refuses a second response at the same time).
    @Test func aTurnGivenWhileTheModelSpeaksIsAnsweredAfterIt() async throws {
        let server = try await FakeRealtimeServer(responses: [
            .speech("A long answer.", duration: .milliseconds(400), finish: false), .speech("The next answer."),
        ])
        let session = try await Self.agent(server).connect(Self.context, lineRate: 16000)
        let log = EventLog(session)
        await session.say("first")
        #expect(await Self.wait(log.audioSamples == 24000 * 4 / 10))
        await session.say("second")
        #expect(await Self.wait(server.events("conversation.item.create").count == 2))
        #expect(server.events("response.create").count == 1)
        await session.interrupt(played: .milliseconds(250))
        #expect(await Self.wait(log.events.contains(.agentSaid("The next answer."))))
        #expect(server.clientEventTypes == [
            "session.update", "conversation.item.create", "response.create", "conversation.item.create", "response.cancel",
            "conversation.item.truncate", "response.create",
        ])
        #expect(server.events("conversation.item.truncate").first?["audio_end_ms"] as? Int == 250)
        #expect(log.events.filter { if case .audio = $0 { false } else { true } } == [.responseDone, .agentSaid("The next answer."), .responseDone])
        #expect(server.problems == [])
        await session.close()
        await server.close()
    }

    @Test func aRefusedKeyIsAnAuthFailure() async throws {
        let server = try await FakeRealtimeServer(apiKey: "sk-right")
        do {
            _ = try await Self.agent(server, key: "sk-wrong").connect(Self.context, lineRate: 8000)
            Issue.record("connected with a wrong key")
        } catch {
            #expect(error.kind == .auth)
            #expect(error.provider == "realtime")
        }
        await server.close()
    }

    @Test func aConfigurationTheVendorRefusesFailsTheConnect() async throws {
        let server = try await FakeRealtimeServer()
        do {
            _ = try await Self.agent(server, voice: "robot").connect(Self.context, lineRate: 8000)
            Issue.record("connected with an unknown voice")
        } catch {
            #expect(error.kind == .badRequest)
            #expect(error.message.contains("robot"))
        }
        await server.close()
    }

    @Test func noSessionUpdatedInTimeIsATimeout() async throws {
        let server = try await FakeRealtimeServer(answersSessionUpdate: false)
        do {
            _ = try await Self.agent(server, connectTimeout: .milliseconds(300)).connect(Self.context, lineRate: 8000)
            Issue.record("connected without session.updated")
        } catch {
            #expect(error.kind == .timeout)
        }
        await server.close()
    }

    @Test func aVendorErrorMidStreamEndsTheEvents() async throws {
        let server = try await FakeRealtimeServer(responses: [.fail()])
        let session = try await Self.agent(server).connect(Self.context, lineRate: 8000)
        let log = EventLog(session)
        await session.say("hello")
        #expect(await Self.wait(log.finished))
        let error = try #require(log.error as? ProviderError)
        #expect(error.kind == .server)
        #expect(error.message.contains("server_error"))
        await server.close()
    }

    @Test func aDroppedSocketEndsTheEvents() async throws {
        let server = try await FakeRealtimeServer(responses: [.drop])
        let session = try await Self.agent(server).connect(Self.context, lineRate: 8000)
        let log = EventLog(session)
        await session.say("hello")
        #expect(await Self.wait(log.finished))
        let error = try #require(log.error as? ProviderError)
        #expect(error.kind == .network)
        await server.close()
    }
}

/// A session's events as they come, and how the stream ended.
final class EventLog: Sendable {
    private let state = Mutex<(events: [SpeechToSpeechEvent], error: (any Error)?, finished: Bool)>(([], nil, false))

    init(_ session: any SpeechToSpeechSession) {
        let events = session.events
        Task { await self.collect(events) }
    }

    private func collect(_ events: AsyncThrowingStream<SpeechToSpeechEvent, any Error>) async {
        do {
            for try await event in events { state.withLock { $0.events.append(event) } }
            state.withLock { $0.finished = true }
        } catch {
            state.withLock { $0.error = error; $0.finished = true }
        }
    }

    var events: [SpeechToSpeechEvent] { state.withLock { $0.events } }
    var error: (any Error)? { state.withLock { $0.error } }
    var finished: Bool { state.withLock { $0.finished } }
    /// Samples of agent audio so far.
    var audioSamples: Int {
        events.reduce(0) { if case .audio(let frame) = $1 { $0 + frame.samples.count } else { $0 } }
    }
}
