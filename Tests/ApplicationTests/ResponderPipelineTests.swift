@testable import Application
import Domain
import Logging
import Metrics
import Synchronization
import Testing
import TestSupport

/// The responder synthesizes sentence n+1 while sentence n plays, plays them in order, and tells the
/// agent what the caller heard.
@Suite("Responder: sentences synthesized ahead of playback")
struct ResponderPipelineTests {
    func responder(
        media: FakeMediaSession, tts: RecordingTextToSpeech, agent: any AgentConversation, clock: any Domain.Clock = SystemClock()
    ) -> Responder {
        let recorder = CallEventRecorder(
            identity: .init(tenantID: "t", callID: "c", conversationID: "v", instanceID: "i"), publisher: CollectingPublisher(),
            clock: clock, logger: Logger(label: "test"))
        return Responder(
            media: media, tts: tts, agent: agent, recorder: recorder, transcript: ConversationLog(id: "v", callID: "c"),
            metrics: VoiceMetrics(factory: NOOPMetricsHandler.instance), configuration: ConversationConfiguration(), clock: clock,
            logger: Logger(label: "test"))
    }

    @Test func theNextSentenceIsSynthesizedWhileThePreviousPlays() async throws {
        let media = FakeMediaSession(holding: 1)  // the first sentence plays until a barge-in
        let tts = RecordingTextToSpeech()
        let agent = ScriptedReplies(["First sentence of the answer.", "Second sentence of it.", "Third one here."])
        let responder = responder(media: media, tts: tts, agent: agent)
        let run = Task { await responder.run(.agent(.utterance("hi")), speechEndedAt: nil, onSpeaking: {}) }
        // While the first sentence is still playing, the later ones are already being synthesized.
        #expect(await eventually { tts.requested == ["First sentence of the answer.", "Second sentence of it.", "Third one here."] })
        #expect(await eventually { media.heldCount == 1 }, "the first sentence is not playing")
        await media.flush()  // the caller barges in during the first sentence
        #expect(await run.value == .finished)
        #expect(media.playedSampleCounts.isEmpty, "a sentence after the barge-in was played")
        #expect(agent.heard == [""], "the caller heard none of the interrupted sentence (the fake sends nothing before it)")
    }

    @Test func sentencesPlayInOrderAndAreHeardWhole() async throws {
        let media = FakeMediaSession()
        let tts = RecordingTextToSpeech()
        let agent = ScriptedReplies(["One two three.", "Four five.", "Six."], then: .hangup)
        let responder = responder(media: media, tts: tts, agent: agent)
        #expect(await responder.run(.agent(.utterance("hi")), speechEndedAt: nil, onSpeaking: {}) == .hangUp)
        #expect(media.playedSampleCounts == ["One two three.", "Four five.", "Six."].map { $0.count * 240 })
        #expect(agent.heard == ["One two three.", "Four five.", "Six."])
    }

    /// An answer that stalls after its first sentence fails on the agent deadline like one that never
    /// starts: the caller hears the sentence, then the fallback line, never silence.
    @Test func anAnswerThatStallsMidwayFallsBackOnTheDeadline() async throws {
        let media = FakeMediaSession()
        let tts = RecordingTextToSpeech()
        let clock = TestClock()
        let (actions, feed) = AsyncThrowingStream.makeStream(of: AgentAction.self)
        feed.yield(.say("Let me look that up."))
        let agent = StreamedReply(actions)
        let responder = responder(media: media, tts: tts, agent: agent, clock: clock)
        let done = Mutex(false)
        let run = Task {
            let ending = await responder.run(.agent(.utterance("hi")), speechEndedAt: nil, onSpeaking: {})
            done.withLock { $0 = true }
            return ending
        }
        #expect(await eventually { media.playedSampleCounts.count == 1 })
        // One deadline after the last action the stream is given up (two steps at most: the watchdog may
        // have looked before or after the first sentence arrived).
        for _ in 0..<2 {
            #expect(await eventually { done.withLock { $0 } || clock.sleeperCount > 0 })
            if done.withLock({ $0 }) { break }
            _ = clock.advance(by: ConversationConfiguration().agentTimeout)
        }
        #expect(await run.value == .agentFailed)
        #expect(tts.requested == ["Let me look that up.", ConversationConfiguration().agentFallbackLine])
        feed.finish()
    }
}

/// An agent whose one answer is the given stream.
struct StreamedReply: AgentConversation {
    let actions: AsyncThrowingStream<AgentAction, any Error>
    init(_ actions: AsyncThrowingStream<AgentAction, any Error>) { self.actions = actions }
    var expectedPhrases: [String] { [] }
    func opening() async throws(ProviderError) -> [AgentAction] { [] }
    func respond(to input: AgentInput) -> AsyncThrowingStream<AgentAction, any Error> { actions }
    func end() async {}
}

/// TTS like `FakeTextToSpeech`, recording which texts it was asked for.
final class RecordingTextToSpeech: TextToSpeech {
    let name = "recording-tts"
    private let texts = Mutex<[String]>([])
    var requested: [String] { texts.withLock { $0 } }
    func synthesize(_ request: SynthesisRequest) -> AudioStream {
        texts.withLock { $0.append(request.text) }
        return FakeTextToSpeech().synthesize(request)
    }
}

/// An agent answering every turn with fixed sentences (and optionally an action), recording `heard`.
final class ScriptedReplies: AgentConversation {
    private let sentences: [String]
    private let action: AgentAction?
    private let heardTexts = Mutex<[String]>([])
    var heard: [String] { heardTexts.withLock { $0 } }
    init(_ sentences: [String], then action: AgentAction? = nil) {
        self.sentences = sentences
        self.action = action
    }
    var expectedPhrases: [String] { [] }
    func opening() async throws(ProviderError) -> [AgentAction] { [] }
    func respond(to input: AgentInput) -> AsyncThrowingStream<AgentAction, any Error> {
        let actions = sentences.map { AgentAction.say($0) } + (action.map { [$0] } ?? [])
        return AsyncThrowingStream { continuation in
            for action in actions { continuation.yield(action) }
            continuation.finish()
        }
    }
    func heard(_ text: String) { heardTexts.withLock { $0.append(text) } }
    func end() async {}
}
