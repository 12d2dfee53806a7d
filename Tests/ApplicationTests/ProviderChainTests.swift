import Application
import Domain
import Logging
import Metrics
import Synchronization
import Testing
import TestSupport

/// STT whose sessions hang in `finish()` until cancelled (a vendor that stopped answering), or fail.
final class BrokenSpeechToText: SpeechToText {
    enum Mode: Sendable { case hang, fail(ProviderError.Kind) }
    let name: String
    let mode: Mode
    let sessions = Mutex(0)
    init(name: String, mode: Mode) {
        self.name = name
        self.mode = mode
    }
    func startSession(_ options: TranscriptionOptions) async throws(ProviderError) -> any TranscriptionSession {
        sessions.withLock { $0 += 1 }
        return Session(owner: self)
    }
    final class Session: TranscriptionSession {
        let owner: BrokenSpeechToText
        let partials = AsyncStream<Transcript> { $0.finish() }
        init(owner: BrokenSpeechToText) { self.owner = owner }
        func send(_ frame: AudioFrame) async throws(ProviderError) {}
        func finish() async throws(ProviderError) -> Transcript {
            switch owner.mode {
            case .hang:
                try? await Task.sleep(for: .seconds(600))
                throw ProviderError(.cancelled, provider: owner.name, "cancelled")
            case .fail(let kind):
                throw ProviderError(kind, provider: owner.name, "scripted failure")
            }
        }
        func cancel() async {}
    }
}

/// TTS that fails (before any audio) with `kind`, counting its calls.
final class FailingTextToSpeech: TextToSpeech {
    let name: String
    let kind: ProviderError.Kind
    let calls = Mutex(0)
    init(name: String, kind: ProviderError.Kind) {
        self.name = name
        self.kind = kind
    }
    func synthesize(_ request: SynthesisRequest) -> AudioStream {
        calls.withLock { $0 += 1 }
        let error = ProviderError(kind, provider: name, "scripted failure")
        return AsyncThrowingStream { $0.finish(throwing: error) }
    }
}

/// TTS that counts calls and answers with a fixed tone at 16 kHz.
final class CountingTextToSpeech: TextToSpeech {
    let name: String
    let calls = Mutex(0)
    init(name: String) { self.name = name }
    func synthesize(_ request: SynthesisRequest) -> AudioStream {
        calls.withLock { $0 += 1 }
        return AsyncThrowingStream { continuation in
            continuation.yield(AudioFrame(samples: [Int16](repeating: 1000, count: 1600), sampleRate: 16_000))
            continuation.finish()
        }
    }
}

@Suite("Provider chains: breaker, retries, failover, cache")
struct ProviderChainTests {
    let metrics = ProviderMetrics(factory: NOOPMetricsHandler.instance)
    let logger = Logger(label: "test")

    func router(
        stt: [any SpeechToText] = [], tts: [any TextToSpeech] = [], fallback: AudioFrame? = nil, retries: Int = 0,
        timeout: Duration = .milliseconds(300), clock: any Domain.Clock = SystemClock()
    ) -> SpeechProviderRouter {
        let policy = ProviderChainPolicy(
            sttTimeout: timeout, ttsTimeout: timeout, retry: RetryPolicy(retries: retries, initialBackoff: .milliseconds(10)),
            breaker: .init(failureThreshold: 2, openDuration: .seconds(60)))
        return SpeechProviderRouter(
            stt: stt, tts: tts,
            configuration: .init(defaultSTT: stt.map(\.name), defaultTTS: tts.map(\.name), policy: policy, fallbackPrompt: fallback),
            metrics: metrics, clock: clock, logger: logger)
    }

    @Test func breakerOpensAfterThresholdAndProbesAfterTheOpenTime() {
        var breaker = CircuitBreaker(configuration: .init(failureThreshold: 2, openDuration: .seconds(10)))
        #expect(breaker.event(.request(now: .seconds(0))) == .allow)
        #expect(breaker.event(.failure(now: .seconds(0))) == .none)
        #expect(breaker.event(.failure(now: .seconds(1))) == .opened)
        #expect(breaker.event(.request(now: .seconds(5))) == .reject)
        #expect(breaker.event(.request(now: .seconds(11))) == .allow)  // half-open probe
        #expect(breaker.event(.request(now: .seconds(11))) == .reject)  // one probe at a time
        #expect(breaker.event(.failure(now: .seconds(12))) == .opened)
        #expect(breaker.event(.request(now: .seconds(23))) == .allow)
        #expect(breaker.event(.success) == .closed)
        #expect(breaker.state == .closed(failures: 0))
    }

    @Test func backoffDoublesUpToTheCapAndOnlyRetryableKindsRetry() {
        let policy = RetryPolicy(retries: 3, initialBackoff: .milliseconds(100), maxBackoff: .milliseconds(250))
        #expect(policy.backoff(beforeRetry: 1) == .milliseconds(100))
        #expect(policy.backoff(beforeRetry: 2) == .milliseconds(200))
        #expect(policy.backoff(beforeRetry: 3) == .milliseconds(250))
        #expect(policy.shouldRetry(after: ProviderError(.server, provider: "x", ""), attempt: 1))
        #expect(!policy.shouldRetry(after: ProviderError(.auth, provider: "x", ""), attempt: 1))
        #expect(!policy.shouldRetry(after: ProviderError(.badResponse, provider: "x", ""), attempt: 1))
        #expect(!policy.shouldRetry(after: ProviderError(.timeout, provider: "x", ""), attempt: 4))
    }

    @Test func cacheEvictsTheLeastRecentlyUsedEntry() {
        let cache = SynthesisCache(maxEntries: 2, maxSamples: 1_000_000)
        let frame = [AudioFrame(samples: [1, 2, 3], sampleRate: 16_000)]
        let a = SynthesisCache.Key(provider: "p", request: SynthesisRequest(text: "a"))
        let b = SynthesisCache.Key(provider: "p", request: SynthesisRequest(text: "b"))
        let c = SynthesisCache.Key(provider: "p", request: SynthesisRequest(text: "c"))
        cache.insert(frame, for: a)
        cache.insert(frame, for: b)
        _ = cache.audio(for: a)
        cache.insert(frame, for: c)
        #expect(cache.audio(for: a) != nil)
        #expect(cache.audio(for: b) == nil)
        #expect(cache.audio(for: c) != nil)
    }

    @Test func sttFailsOverMidUtteranceAndReportsTheFailure() async throws {
        let slow = BrokenSpeechToText(name: "a", mode: .hang)
        let good = FakeSpeechToText(answers: ["hello there"])
        let failures = Mutex<[ProviderError]>([])
        let clock = TestClock()
        let chain = router(stt: [slow, good], clock: clock).speechToText(for: TenantSettings(id: "t")) { error in failures.withLock { $0.append(error) } }
        let session = try await chain.startSession(TranscriptionOptions())
        for frame in Frames.voiced(10) { try await session.send(frame) }
        async let finished = session.finish()
        // Provider a hangs until its deadline passes on the test clock; b then answers at once.
        #expect(await clock.waitForSleepers(1, timeout: .seconds(30)))
        _ = clock.advance(by: .milliseconds(300))
        let transcript = try await finished
        #expect(transcript.text == "hello there")
        #expect(chain.name == "fake-stt")
        #expect(failures.withLock { $0.map(\.provider) } == ["a"])
        #expect(failures.withLock { $0.map(\.kind) } == [.timeout])
        #expect(good.framesPerUtterance.withLock { $0 } == [10], "the frames were replayed to the next provider")
    }

    @Test func openBreakerSkipsTheBrokenProviderOnLaterUtterances() async throws {
        let broken = BrokenSpeechToText(name: "a", mode: .fail(.server))
        let good = FakeSpeechToText(answers: ["one", "two", "three"])
        let chain = router(stt: [broken, good]).speechToText(for: TenantSettings(id: "t")) { _ in }
        for expected in ["one", "two", "three"] {
            let session = try await chain.startSession(TranscriptionOptions())
            for frame in Frames.voiced(5) { try await session.send(frame) }
            #expect(try await session.finish().text == expected)
        }
        #expect(broken.sessions.withLock { $0 } == 2, "threshold 2: the third utterance skipped provider a")
    }

    @Test func retryableFailureIsRetriedOnTheSameProvider() async throws {
        let broken = BrokenSpeechToText(name: "a", mode: .fail(.server))
        let failures = Mutex(0)
        let chain = router(stt: [broken], retries: 1).speechToText(for: TenantSettings(id: "t")) { _ in failures.withLock { $0 += 1 } }
        let session = try await chain.startSession(TranscriptionOptions())
        for frame in Frames.voiced(5) { try await session.send(frame) }
        await #expect(throws: ProviderError.self) { try await session.finish() }
        #expect(broken.sessions.withLock { $0 } == 2)
        #expect(failures.withLock { $0 } == 1, "the retried failure is observed, the final one is thrown")
    }

    @Test func ttsFailsOverThenFallsBackToThePromptThenCaches() async throws {
        let down = FailingTextToSpeech(name: "down", kind: .auth)
        let up = CountingTextToSpeech(name: "up")
        let failures = Mutex<[String]>([])
        let prompt = AudioFrame(samples: [Int16](repeating: 7, count: 800), sampleRate: 8_000)
        let shared = router(tts: [down, up], fallback: prompt)
        let chain = shared.textToSpeech(for: TenantSettings(id: "t")) { error in failures.withLock { $0.append(error.provider) } }
        var heard: [AudioFrame] = []
        for try await frame in chain.synthesize(SynthesisRequest(text: "Hello")) { heard.append(frame) }
        #expect(heard.map(\.samples.count) == [1600])
        #expect(chain.name == "up")
        #expect(failures.withLock { $0 } == ["down"])
        // The same sentence again comes from the cache.
        heard = []
        for try await frame in chain.synthesize(SynthesisRequest(text: "Hello")) { heard.append(frame) }
        #expect(heard.map(\.samples.count) == [1600])
        #expect(up.calls.withLock { $0 } == 1)

        let alone = router(tts: [down], fallback: prompt).textToSpeech(for: TenantSettings(id: "t")) { _ in }
        heard = []
        for try await frame in alone.synthesize(SynthesisRequest(text: "Hi")) { heard.append(frame) }
        #expect(heard == [prompt])
        #expect(alone.name == TextToSpeechChain.fallbackName)
    }

    @Test func conversationRecordsTheFailoverThenTheTranscript() async throws {
        let media = FakeMediaSession()
        let publisher = CollectingPublisher()
        let clock = SystemClock()
        let recorder = CallEventRecorder(
            identity: .init(tenantID: "t", callID: "c", conversationID: "v", instanceID: "i"), publisher: publisher, clock: clock, logger: logger)
        let voiceMetrics = VoiceMetrics(factory: NOOPMetricsHandler.instance)
        // The first provider fails at once as a vendor timing out would (a wall-clock deadline here would
        // race a loaded machine); the deadlines are generous for the provider that answers.
        let shared = router(
            stt: [BrokenSpeechToText(name: "a", mode: .fail(.timeout)), FakeSpeechToText(answers: ["bye"])], tts: [CountingTextToSpeech(name: "b")],
            timeout: .seconds(30))
        let stt = shared.speechToText(
            for: TenantSettings(id: "t"), observer: ProviderFailureRecording.observer(.sttFailed, direction: "stt", recorder: recorder, metrics: voiceMetrics))
        let tts = shared.textToSpeech(
            for: TenantSettings(id: "t"), observer: ProviderFailureRecording.observer(.ttsFailed, direction: "tts", recorder: recorder, metrics: voiceMetrics))
        var config = ConversationConfiguration()
        config.sttTimeout = stt.worstCase + .seconds(1)
        config.echoGuard = false  // the fake media plays at once: no echo
        let manager = ConversationManager(
            media: media, stt: stt, tts: tts, agent: FakeAgentConversation(), recorder: recorder, log: ConversationLog(id: "v", callID: "c"),
            metrics: voiceMetrics, configuration: config, clock: clock, logger: logger)
        let (digits, _) = AsyncStream.makeStream(of: String.self)
        async let delivered: Void = recorder.run()
        async let ending = manager.run(digits: digits)
        #expect(await eventually { media.playedSampleCounts.count == 1 })
        media.push(Frames.voiced(20) + Frames.silence(35))
        let result = await ending
        recorder.finish()
        await delivered
        #expect(result == .hangUp)
        let events = await publisher.events
        let types = events.map(\.type.rawValue)
        let failed = try #require(types.firstIndex(of: "error.stt_failed"))
        let transcribed = try #require(types.firstIndex(of: "stt.transcribed"))
        #expect(failed < transcribed)
        #expect(events[failed].data["provider"] == "a")
        #expect(events[failed].data["kind"] == "timeout")
        #expect(events[transcribed].data["provider"] == "fake-stt")
        #expect(events[transcribed].data["text"] == "bye")
    }
}
