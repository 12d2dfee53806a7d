import Application
import Domain
import Logging
import Metrics
import Testing
import TestSupport

@Suite("Conversation manager with in-memory ports")
struct ConversationManagerTests {
    /// A manager whose recorder delivers to `publisher` (the test runs `recorder.run()`).
    func makeManager(media: FakeMediaSession, stt: FakeSpeechToText, publisher: CollectingPublisher, bargeIn: Bool = true)
        -> (ConversationManager, CallEventRecorder)
    {
        let clock = SystemClock()
        let recorder = CallEventRecorder(
            identity: .init(tenantID: "t", callID: "c", conversationID: "v", instanceID: "i"), publisher: publisher,
            clock: clock, logger: Logger(label: "test"))
        var config = ConversationConfiguration()
        config.bargeIn = bargeIn
        config.echoGuard = false  // the fake media plays at once: no echo
        let manager = ConversationManager(
            media: media, stt: stt, tts: FakeTextToSpeech(), agent: FakeAgentConversation(), recorder: recorder,
            log: ConversationLog(id: "v", callID: "c"), metrics: VoiceMetrics(factory: NOOPMetricsHandler.instance),
            configuration: config, clock: clock, logger: Logger(label: "test"))
        return (manager, recorder)
    }

    @Test func greetsAnswersAndHangsUpOnGoodbye() async throws {
        let media = FakeMediaSession()
        let stt = FakeSpeechToText(answers: ["i want to check my balance", "bye"])
        let publisher = CollectingPublisher()
        let (manager, recorder) = makeManager(media: media, stt: stt, publisher: publisher)
        let (digits, _) = AsyncStream.makeStream(of: String.self)
        async let delivered: Void = recorder.run()
        async let ending = manager.run(digits: digits)
        #expect(await eventually { media.playedSampleCounts.count == 1 })
        media.push(Frames.voiced(40) + Frames.silence(35))
        #expect(await eventually { media.playedSampleCounts.count == 2 })
        media.push(Frames.voiced(20) + Frames.silence(35))
        let result = await ending
        recorder.finish()
        await delivered

        #expect(result == .hangUp)
        #expect(stt.phrasesSeen.withLock { $0 } == ["balance", "bye"])
        // The utterance carried the voiced audio plus preroll and trailing silence.
        let frames = stt.framesPerUtterance.withLock { $0 }
        #expect(frames.count == 2)
        #expect(frames[0] >= 40)
        // Greeting, balance reply, goodbye: 10 ms of audio per character at 24 kHz.
        #expect(media.playedSampleCounts == [26 * 240, 28 * 240, 8 * 240])
        let types = await publisher.events.map(\.type.rawValue)
        #expect(types == [
            "tts.generated", "stt.transcribed", "llm.responded", "tts.generated", "stt.transcribed", "llm.responded",
            "tts.generated",
        ])
        let sequences = await publisher.events.map(\.sequence)
        #expect(sequences == Array(1...7))
        let transcribed = await publisher.events[1]
        #expect(transcribed.data["text"] == "i want to check my balance")
    }

    @Test func callerSpeechDuringGreetingBargesIn() async throws {
        let media = FakeMediaSession(holding: 1)  // the greeting plays until it is interrupted
        let stt = FakeSpeechToText(answers: ["bye"])
        let publisher = CollectingPublisher()
        let (manager, recorder) = makeManager(media: media, stt: stt, publisher: publisher)
        let (digits, _) = AsyncStream.makeStream(of: String.self)
        async let delivered: Void = recorder.run()
        async let ending = manager.run(digits: digits)
        // Speech arrives while the greeting is playing (pushed before it started, a barge-in could come
        // before the greeting's playback and leave it held for good: a hang seen under load).
        #expect(await eventually { media.heldCount == 1 }, "the greeting never started")
        media.push(Frames.voiced(20) + Frames.silence(35))
        let result = await ending
        recorder.finish()
        await delivered
        #expect(result == .hangUp)
        #expect(media.flushCount >= 1)
        #expect(await publisher.events.contains { $0.type == .bargeIn })
    }

    @Test func digitsCanTransfer() async throws {
        let media = FakeMediaSession()
        let publisher = CollectingPublisher()
        let (manager, _) = makeManager(media: media, stt: FakeSpeechToText(answers: []), publisher: publisher)
        let (digits, digit) = AsyncStream.makeStream(of: String.self)
        async let ending = manager.run(digits: digits)
        #expect(await eventually { media.playedSampleCounts.count == 1 })
        digit.yield("0")
        #expect(await ending == .transfer(TransferRequest(target: .queue("support"))))
    }

    @Test func endsWhenMediaEnds() async throws {
        let media = FakeMediaSession()
        let (manager, _) = makeManager(media: media, stt: FakeSpeechToText(answers: []), publisher: CollectingPublisher())
        let (digits, _) = AsyncStream.makeStream(of: String.self)
        async let ending = manager.run(digits: digits)
        #expect(await eventually { media.playedSampleCounts.count == 1 })
        media.end()
        #expect(await ending == .mediaEnded)
    }
}
