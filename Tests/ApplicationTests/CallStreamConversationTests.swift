import Application
import Domain
import Logging
import Metrics
import Synchronization
import Testing
import TestSupport

/// The conversation over a whole-call transcription stream, on a TestClock (only frames move time for
/// the endpointer; the flush wait and the silence filling move when the test advances the clock).
@Suite("Conversation over one transcription stream per call")
struct CallStreamConversationTests {
    struct Harness {
        let media = FakeMediaSession()
        let stt: FakeCallStreamingSTT
        let agent = ProvisionalAgent()
        let publisher = CollectingPublisher()
        let clock = TestClock()
        let recorder: CallEventRecorder
        let manager: ConversationManager

        init(stt: FakeCallStreamingSTT, vendorEndpointing: Bool = false, earlyStart: Duration = .zero) {
            self.stt = stt
            recorder = CallEventRecorder(
                identity: .init(tenantID: "t", callID: "c", conversationID: "v", instanceID: "i"), publisher: publisher,
                clock: clock, logger: Logger(label: "test"))
            var config = ConversationConfiguration()
            config.vendorEndpointing = vendorEndpointing
            config.earlyStart = earlyStart
            config.echoGuard = false  // the fake media plays at once: no echo
            manager = ConversationManager(
                media: media, stt: stt, tts: FakeTextToSpeech(), agent: agent, recorder: recorder,
                log: ConversationLog(id: "v", callID: "c"), metrics: VoiceMetrics(factory: NOOPMetricsHandler.instance),
                configuration: config, clock: clock, logger: Logger(label: "test"))
        }

        /// Pushes `frames` one at a time, each after the stream took the one before, until `until` holds.
        func pushSlowly(_ frames: [AudioFrame], until: () -> Bool) async -> Bool {
            for frame in frames {
                if until() { return true }
                let before = stt.stream?.frames ?? 0
                media.push([frame])
                _ = await eventually { (stt.stream?.frames ?? 0) > before }
            }
            return until()
        }

        func events(_ type: CallEventType) async -> [CallEvent] { await publisher.events.filter { $0.type == type } }

        /// Starts the conversation and its event delivery; returns once the greeting played (and the
        /// stream opened, when `streamOpens`).
        func start(streamOpens: Bool = true) async -> Running {
            let (digits, _) = AsyncStream.makeStream(of: String.self)
            let (recorder, manager) = (recorder, manager)
            let running = Running(delivered: Task { await recorder.run() }, run: Task { await manager.run(digits: digits) })
            // The stream opens in the background; frames go to it once the listener took it.
            #expect(await eventually { media.playedSampleCounts.count == 1 && (!streamOpens || stt.stream?.taken == true) })
            return running
        }

        /// Waits for the conversation to end (cancelling it first when `cancel`), then for its events.
        @discardableResult
        func stop(_ running: Running, cancel: Bool = true) async -> ConversationManager.Ending {
            if cancel { running.run.cancel() }
            let ending = await running.run.value
            recorder.finish()
            await running.delivered.value
            return ending
        }
    }

    struct Running {
        let delivered: Task<Void, Never>
        let run: Task<ConversationManager.Ending, Never>
    }

    static func said(_ text: String) -> Int { text.count * 240 }

    @Test func anAnswerStartedOnAPauseIsPlayedWhenTheFinalTextAgrees() async throws {
        let stt = FakeCallStreamingSTT(partialAfter: 30, partialText: "what is my balance")
        let h = Harness(stt: stt, earlyStart: .milliseconds(200))
        let running = await h.start()
        h.media.push(Frames.voiced(30))
        #expect(await eventually { stt.stream?.voiced == 30 })
        // A pause of 200 ms: the agent is asked on the partial text, its answer is synthesised but not played.
        #expect(await h.pushSlowly(Frames.silence(25)) { h.agent.asked.withLock { $0 } == ["what is my balance"] })
        #expect(h.media.playedSampleCounts.count == 1)
        // The endpointer ends the utterance (600 ms of silence); the vendor is asked to flush and agrees.
        #expect(await h.pushSlowly(Frames.silence(30)) { stt.stream?.finalizes == 1 })
        stt.stream?.say(.segment(Transcript(text: "What is my balance?", isFinal: true, confidence: 0.9), endOfSpeech: false))
        #expect(await eventually { h.media.playedSampleCounts.count == 2 })
        #expect(h.media.playedSampleCounts[1] == Self.said("You said what is my balance."))
        #expect(h.agent.asked.withLock { $0 }.count == 1)
        #expect(h.agent.withdrawn.withLock { $0 } == 0)
        await h.stop(running)
        let transcribed = await h.events(.sttTranscribed)
        #expect(transcribed.map { $0.data["text"] } == ["What is my balance?"])
        #expect(transcribed.first?.data["endpointing"] == "daemon")
        #expect(transcribed.first?.data["final"] == true)
        let responded = await h.events(.llmResponded)
        #expect(responded.count == 1)
        #expect(responded.first?.data["early_start"] == true)
        #expect(stt.opened == 1)
        #expect(stt.stream?.closed == true)
    }

    @Test func anAnswerStartedOnAPauseIsThrownAwayWhenTheCallerGoesOn() async throws {
        let stt = FakeCallStreamingSTT(partialAfter: 30, partialText: "what is my balance")
        let h = Harness(stt: stt, earlyStart: .milliseconds(200))
        let running = await h.start()
        h.media.push(Frames.voiced(30))
        #expect(await eventually { stt.stream?.voiced == 30 })
        #expect(await h.pushSlowly(Frames.silence(25)) { h.agent.asked.withLock { $0 }.count == 1 })
        // The caller goes on: the early answer is withdrawn, never played.
        h.media.push(Frames.voiced(20))
        #expect(await eventually { h.agent.withdrawn.withLock { $0 } == 1 })
        stt.stream?.say(.segment(Transcript(text: "what is my balance on savings", isFinal: true), endOfSpeech: false))
        #expect(await h.pushSlowly(Frames.silence(40)) { h.media.playedSampleCounts.count == 2 })
        #expect(h.media.playedSampleCounts[1] == Self.said("You said what is my balance on savings."))
        #expect(h.agent.asked.withLock { $0 } == ["what is my balance", "what is my balance on savings"])
        await h.stop(running)
        // The second pause offered the whole text, which the final text then confirmed.
        let responded = await h.events(.llmResponded)
        #expect(responded.count == 1)
        #expect(responded.first?.data["early_start"] == true)
        #expect(h.agent.withdrawn.withLock { $0 } == 1)
    }

    @Test func theVendorsEndOfSpeechEndsEachUtteranceOnOneStream() async throws {
        let stt = FakeCallStreamingSTT()
        let h = Harness(stt: stt, vendorEndpointing: true)
        let running = await h.start()
        for (n, text) in ["my balance please", "and my savings"].enumerated() {
            h.media.push(Frames.voiced(30) + Frames.silence(5))
            #expect(await eventually { stt.stream?.frames == 35 * (n + 1) })
            // No daemon end of speech yet (100 ms of silence): the vendor decides.
            stt.stream?.say(.segment(Transcript(text: text, isFinal: true), endOfSpeech: true))
            #expect(await eventually { h.media.playedSampleCounts.count == n + 2 })
        }
        h.media.push(Frames.voiced(30) + Frames.silence(5))
        #expect(await eventually { stt.stream?.frames == 105 })
        stt.stream?.say(.segment(Transcript(text: "bye", isFinal: true), endOfSpeech: true))
        #expect(await h.stop(running, cancel: false) == .hangUp)
        #expect(stt.opened == 1)
        #expect(stt.stream?.finalizes == 0)
        let transcribed = await h.events(.sttTranscribed)
        #expect(transcribed.map { $0.data["text"] } == ["my balance please", "and my savings", "bye"])
        #expect(transcribed.allSatisfy { $0.data["endpointing"] == "vendor" })
        #expect(h.agent.asked.withLock { $0 } == ["my balance please", "and my savings", "bye"])
    }

    @Test func pausesWithoutPacketsReachTheVendorAsSilence() async throws {
        let stt = FakeCallStreamingSTT()
        let h = Harness(stt: stt)
        let running = await h.start()
        h.media.push(Frames.voiced(10))
        #expect(await eventually { stt.stream?.frames == 10 })
        // One second without packets (Asterisk sends none in silence): 50 frames of silence go out.
        for _ in 0..<10 {
            #expect(await h.clock.waitForSleepers(2))
            _ = h.clock.advance(by: .milliseconds(100))
        }
        #expect(await eventually { (stt.stream?.frames ?? 0) >= 10 + 45 })
        #expect(stt.stream?.voiced == 10)
        await h.stop(running)
    }

    @Test func aStreamThatBreaksMidUtteranceHandsTheUtteranceToASessionWithItsAudio() async throws {
        let stt = FakeCallStreamingSTT(fallbackAnswers: ["bye"])
        let h = Harness(stt: stt)
        let running = await h.start()
        h.media.push(Frames.voiced(30))
        #expect(await eventually { stt.stream?.frames == 30 })
        stt.stream?.say(.failed(ProviderError(.network, provider: "fake-stream", "connection reset")))
        #expect(await eventually { stt.stream?.closed == true })
        h.media.push(Frames.voiced(5) + Frames.silence(35))
        #expect(await h.stop(running, cancel: false) == .hangUp)
        // The session got the whole utterance: the 30 frames the stream had, then the rest.
        let frames = stt.fallback.framesPerUtterance.withLock { $0 }
        #expect(frames.count == 1)
        #expect((frames.first ?? 0) >= 35)
        #expect(await h.events(.sttFailed).map { $0.data["kind"] } == ["network"])
        #expect(await h.events(.sttTranscribed).map { $0.data["text"] } == ["bye"])
    }

    @Test func aStreamThatCannotOpenLeavesEachUtteranceItsOwnSession() async throws {
        let stt = FakeCallStreamingSTT(fallbackAnswers: ["bye"], openFailure: ProviderError(.auth, provider: "fake-stream", "401"))
        let h = Harness(stt: stt)
        let running = await h.start(streamOpens: false)
        h.media.push(Frames.voiced(30) + Frames.silence(35))
        #expect(await h.stop(running, cancel: false) == .hangUp)
        #expect(stt.fallback.framesPerUtterance.withLock { $0 }.count == 1)
        #expect(await h.events(.sttFailed).map { $0.data["kind"] } == ["auth"])
    }

    @Test func aSlowHandshakeNeverHoldsTheCallerUpAndTheStreamIsTakenAfterTheUtterance() async throws {
        let stt = FakeCallStreamingSTT(fallbackAnswers: ["hello there"], holdOpen: true)
        let h = Harness(stt: stt, vendorEndpointing: true)
        let running = await h.start(streamOpens: false)
        // The vendor has not answered the handshake: the utterance goes to a session of its own.
        h.media.push(Frames.voiced(30) + Frames.silence(35))
        #expect(await eventually { h.media.playedSampleCounts.count == 2 })
        #expect(h.media.playedSampleCounts[1] == Self.said("You said hello there."))
        #expect(stt.fallback.framesPerUtterance.withLock { $0 }.count == 1)
        stt.releaseOpen()
        #expect(await eventually { stt.stream?.taken == true })
        // Frames now go to the stream; the vendor ends the next utterance.
        let before = stt.stream?.frames ?? 0
        h.media.push(Frames.voiced(30) + Frames.silence(5))
        #expect(await eventually { (stt.stream?.frames ?? 0) >= before + 35 })
        stt.stream?.say(.segment(Transcript(text: "and goodbye bye", isFinal: true), endOfSpeech: true))
        #expect(await h.stop(running, cancel: false) == .hangUp)
        #expect(await h.events(.sttTranscribed).map { $0.data["text"] } == ["hello there", "and goodbye bye"])
    }

    @Test func aBrokenStreamIsOpenedAgainAtASpeechStartLaterWithTheAudioBeforeIt() async throws {
        let stt = FakeCallStreamingSTT()
        let h = Harness(stt: stt)
        let running = await h.start()
        let first = try #require(stt.stream)
        first.say(.failed(ProviderError(.network, provider: "fake-stream", "connection reset")))
        #expect(await eventually { first.closed })
        // Ten seconds later (the retry delay), the next speech start opens a stream again.
        #expect(await h.clock.waitForSleepers(2))
        _ = h.clock.advance(by: .seconds(10))
        h.media.push(Frames.silence(15) + Frames.voiced(30) + Frames.silence(5))
        #expect(await eventually { stt.opened == 2 })
        let second = try #require(stt.stream)
        // The 300 ms before the detected start (preroll), then everything after it.
        #expect(await eventually { second.frames >= 15 + 30 - 3 + 5 })
        #expect(second.voiced == 30)
        await h.stop(running)
    }
}
