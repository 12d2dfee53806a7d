import Application
import Domain
import Logging
import Metrics
import Synchronization
import Testing
import TestSupport

/// A speech-to-speech session the test scripts: it emits what the test says and records what the
/// conversation sent it.
final class ScriptedSpeechSession: SpeechToSpeechSession {
    let events: AsyncThrowingStream<SpeechToSpeechEvent, any Error>
    private let feed: AsyncThrowingStream<SpeechToSpeechEvent, any Error>.Continuation
    private let record = Mutex<(frames: Int, said: [String], interrupts: [Duration], completed: [String], closed: Bool, turns: Int)>((0, [], [], [], false, 0))
    let detectsTurns: Bool

    init(detectsTurns: Bool = true) {
        self.detectsTurns = detectsTurns
        (events, feed) = AsyncThrowingStream.makeStream()
    }

    func emit(_ event: SpeechToSpeechEvent) { feed.yield(event) }
    func fail(_ error: ProviderError) { feed.finish(throwing: error) }

    var framesReceived: Int { record.withLock { $0.frames } }
    var said: [String] { record.withLock { $0.said } }
    var interrupts: [Duration] { record.withLock { $0.interrupts } }
    var completed: [String] { record.withLock { $0.completed } }
    var closed: Bool { record.withLock { $0.closed } }
    var turnsEnded: Int { record.withLock { $0.turns } }
    func endTurn() async { record.withLock { $0.turns += 1 } }

    func send(_ frame: AudioFrame) async { record.withLock { $0.frames += 1 } }
    func say(_ text: String) async { record.withLock { $0.said.append(text) } }
    func interrupt(played: Duration) async { record.withLock { $0.interrupts.append(played) } }
    func complete(_ callID: String, output: String) async { record.withLock { $0.completed.append("\(callID)=\(output)") } }
    func close() async {
        record.withLock { $0.closed = true }
        feed.finish()
    }
}

@Suite("Speech-to-speech conversation with in-memory ports")
struct SpeechToSpeechConversationTests {
    struct World {
        let media: FakeMediaSession
        let session: ScriptedSpeechSession
        let publisher = CollectingPublisher()
        let clock = TestClock()
        let recorder: CallEventRecorder
        let conversation: SpeechToSpeechConversation
        let digits: AsyncStream<String>
        let digit: AsyncStream<String>.Continuation
        let closing: AsyncStream<String>
        let close: AsyncStream<String>.Continuation

        init(detectsTurns: Bool = true, holding: Int = 0) {
            media = FakeMediaSession(holding: holding)
            session = ScriptedSpeechSession(detectsTurns: detectsTurns)
            (digits, digit) = AsyncStream.makeStream(of: String.self)
            (closing, close) = AsyncStream.makeStream(of: String.self)
            recorder = CallEventRecorder(
                identity: .init(tenantID: "t", callID: "c", conversationID: "v", instanceID: "i"), publisher: publisher,
                clock: clock, logger: Logger(label: "test"))
            conversation = SpeechToSpeechConversation(
                media: media, session: session, tts: FakeTextToSpeech(), provider: "realtime", recorder: recorder,
                log: ConversationLog(id: "v", callID: "c"), metrics: VoiceMetrics(factory: NOOPMetricsHandler.instance),
                configuration: ConversationConfiguration(), clock: clock, logger: Logger(label: "test"))
        }

        /// Runs the conversation to its end, with the recorder delivering; returns the ending and the events.
        func run(_ script: @escaping @Sendable () async -> Void) async -> (ConversationManager.Ending, [CallEvent]) {
            async let delivered: Void = recorder.run()
            async let ending = conversation.run(digits: digits, closing: closing)
            await script()
            let result = await ending
            recorder.finish()
            await delivered
            return (result, await publisher.events)
        }
    }

    static let tone = AudioFrame(samples: [Int16](repeating: 1000, count: 160), sampleRate: 8000)

    @Test func aWholeTurnStreamsBothWaysAndEndsWhenTheModelHangsUp() async {
        let w = World()
        let (ending, events) = await w.run {
            w.media.push(Frames.voiced(10))
            #expect(await eventually { w.session.framesReceived == 10 }, "caller audio streams to the model")
            w.session.emit(.speechStarted)
            w.session.emit(.speechStopped)
            w.session.emit(.callerSaid("my card is 4111 1111 1111 1111"))
            for _ in 0..<3 { w.session.emit(.audio(Self.tone)) }
            w.session.emit(.agentSaid("I can't take card numbers on this line."))
            w.session.emit(.responseDone)
            #expect(await eventually { w.media.playedSampleCounts == [480] }, "the answer plays as one playback")
            w.session.emit(.action(.hangup, callID: "call-1"))
            w.session.emit(.audio(Self.tone))
            w.session.emit(.responseDone)
        }
        #expect(ending == .hangUp)
        #expect(w.media.playedSampleCounts == [480, 160], "the last words play before the call ends")
        #expect(w.session.closed)
        #expect(events.map(\.type) == [.sttTranscribed, .llmResponded])
        #expect(events[0].data["text"] != "my card is 4111 1111 1111 1111", "transcripts are redacted")
        #expect(events[0].data["provider"] == "realtime" && events[0].data["final"] == true)
        #expect(w.conversation.log.snapshot.turns.map(\.speaker) == [.caller, .agent])
    }

    @Test func callerSpeechOverTheAnswerCutsItAndTellsTheModel() async {
        let w = World()
        let (ending, events) = await w.run {
            w.session.emit(.audio(Self.tone))
            w.session.emit(.agentSaid("Let me tell you about all our products."))
            w.session.emit(.speechStarted)
            #expect(await eventually { w.session.interrupts.count == 1 })
            w.session.emit(.action(.transfer(.queue("sales")), callID: "call-2"))
            w.session.emit(.responseDone)
        }
        #expect(ending == .transfer(TransferRequest(target: .queue("sales"))))
        #expect(w.media.flushCount >= 1)
        #expect(events.map(\.type).contains(.bargeIn))
        #expect(w.conversation.log.snapshot.turns.last?.interrupted == true)
    }

    /// A fast model may send a second answer while the first still plays: a barge-in cuts the first and the
    /// queued one is never heard.
    @Test func anAnswerQueuedBehindTheInterruptedOneIsNotPlayed() async {
        let w = World(holding: 1)  // the first answer plays until it is cut
        let (ending, _) = await w.run {
            w.session.emit(.audio(Self.tone))
            w.session.emit(.responseDone)
            w.session.emit(.audio(Self.tone))
            w.session.emit(.speechStarted)
            #expect(await eventually { w.session.interrupts.count == 1 })
            w.media.end()
        }
        #expect(ending == .mediaEnded)
        #expect(w.media.playedSampleCounts.isEmpty, "audio was played after the barge-in")
    }

    @Test func digitsGoToTheModelOrFillWhatItAskedFor() async {
        let w = World()
        let (ending, _) = await w.run {
            w.digit.yield("5")
            #expect(await eventually { w.session.said == ["The caller pressed 5 on the keypad."] })
            w.session.emit(.action(.collectDigits(maxDigits: 4, terminator: "#"), callID: "call-3"))
            w.session.emit(.responseDone)
            for d in ["1", "2", "#"] { w.digit.yield(d) }
            #expect(await eventually { w.session.completed == ["call-3=12"] })
            w.session.emit(.action(.collectDigits(maxDigits: 2, terminator: nil), callID: "call-4"))
            for d in ["7", "8", "9"] { w.digit.yield(d) }
            #expect(await eventually { w.session.completed == ["call-3=12", "call-4=78"] })
            #expect(await eventually { w.session.said.count == 2 }, "a digit after the collection is a turn again")
            w.media.end()
        }
        #expect(ending == .mediaEnded)
        #expect(w.conversation.log.snapshot.turns.compactMap(\.dtmf) == ["••", "••"], "entries are shown masked")
    }

    @Test func aFailedModelLeavesTheCallerWithTheFallbackLineNotSilence() async {
        let w = World()
        let (ending, _) = await w.run {
            w.session.emit(.audio(Self.tone))
            w.session.fail(ProviderError(.server, provider: "realtime", "server_error"))
        }
        #expect(ending == .hangUp)
        let fallback = ConversationConfiguration().agentFallbackLine
        #expect(w.media.playedSampleCounts.last == fallback.count * 240, "the fallback line in the daemon's voice")
        #expect(w.conversation.log.snapshot.turns.last?.text == fallback)
    }

    /// A model that leaves the turns to the client: the daemon's endpointing ends each turn, and the
    /// caller's voice over an answer is the barge-in.
    @Test func withoutTheModelsTurnDetectionTheDaemonEndpointsTheCaller() async {
        let w = World(detectsTurns: false)
        let (ending, events) = await w.run {
            w.media.push(Frames.voiced(20) + Frames.silence(35))
            #expect(await eventually { w.session.turnsEnded == 1 }, "the turn was not ended after the caller's silence")
            w.session.emit(.audio(Self.tone))
            w.media.push(Frames.voiced(20))
            #expect(await eventually { w.session.interrupts.count == 1 }, "the caller's voice did not cut the answer")
            w.media.end()
        }
        #expect(ending == .mediaEnded)
        #expect(events.map(\.type).contains(.bargeIn))
        #expect(w.session.framesReceived == 75, "every frame reaches the model")
    }

    @Test func aClosingLineEndsTheConversationInTheDaemonsVoice() async {
        let w = World()
        let (ending, _) = await w.run {
            w.close.yield("Goodbye.")
        }
        #expect(ending == .closed)
        #expect(w.media.playedSampleCounts == ["Goodbye.".count * 240])
        #expect(w.session.closed)
    }
}
