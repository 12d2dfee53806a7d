import Application
import Domain
import Synchronization

/// A streaming STT the test scripts: the whole-call streams it opened (the test makes them speak) and,
/// for the per-utterance fallback, `FakeSpeechToText`'s answers.
final class FakeCallStreamingSTT: CallStreamingSpeechToText {
    let name = "fake-stream"
    let streams = Mutex<[FakeCallStream]>([])
    let fallback: FakeSpeechToText
    private let openFailure: ProviderError?
    /// Voiced frames after which a stream says `partialText` (nil: never on its own).
    let partialAfter: Int?
    let partialText: String

    /// While held, `startCallStream` waits (a slow handshake) until `releaseOpen()`.
    private let openHeld: Mutex<(held: Bool, waiters: [CheckedContinuation<Void, Never>])>

    init(
        fallbackAnswers: [String] = [], openFailure: ProviderError? = nil, partialAfter: Int? = nil, partialText: String = "",
        holdOpen: Bool = false
    ) {
        openHeld = Mutex((holdOpen, []))
        fallback = FakeSpeechToText(answers: fallbackAnswers)
        self.openFailure = openFailure
        self.partialAfter = partialAfter
        self.partialText = partialText
    }

    var opened: Int { streams.withLock { $0.count } }
    var stream: FakeCallStream? { streams.withLock { $0.last } }

    func startSession(_ options: TranscriptionOptions) async throws(ProviderError) -> any TranscriptionSession {
        try await fallback.startSession(options)
    }

    func releaseOpen() {
        let waiters = openHeld.withLock { state in
            state.held = false
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.resume() }
    }

    func startCallStream(_ options: TranscriptionOptions) async throws(ProviderError) -> any CallTranscriptionStream {
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let wait = openHeld.withLock { state -> Bool in
                if state.held { state.waiters.append(waiter) }
                return state.held
            }
            if !wait { waiter.resume() }
        }
        if let openFailure { throw openFailure }
        let stream = FakeCallStream(partialAfter: partialAfter, partialText: partialText)
        streams.withLock { $0.append(stream) }
        return stream
    }
}

/// One scripted call stream: counts what it was sent, and says what the test tells it to.
final class FakeCallStream: CallTranscriptionStream {
    private let stored: AsyncStream<CallTranscriptionEvent>
    private let feed: AsyncStream<CallTranscriptionEvent>.Continuation
    private let counts = Mutex((frames: 0, voiced: 0, finalizes: 0, closed: false, listened: false))

    /// The results; asking for them marks the stream as taken by the listener.
    var events: AsyncStream<CallTranscriptionEvent> {
        counts.withLock { $0.listened = true }
        return stored
    }

    /// Whether the listener took the stream (it reads the results).
    var taken: Bool { counts.withLock { $0.listened } }
    private let partialAfter: Int?
    private let partialText: String

    init(partialAfter: Int?, partialText: String) {
        (stored, feed) = AsyncStream.makeStream(of: CallTranscriptionEvent.self)
        self.partialAfter = partialAfter
        self.partialText = partialText
    }

    var frames: Int { counts.withLock { $0.frames } }
    var voiced: Int { counts.withLock { $0.voiced } }
    var finalizes: Int { counts.withLock { $0.finalizes } }
    var closed: Bool { counts.withLock { $0.closed } }

    func say(_ event: CallTranscriptionEvent) { feed.yield(event) }

    func send(_ frame: AudioFrame) async throws(ProviderError) {
        let voiced = counts.withLock { counts -> Int in
            counts.frames += 1
            if frame.samples.contains(where: { $0 != 0 }) { counts.voiced += 1 }
            return frame.samples.contains(where: { $0 != 0 }) ? counts.voiced : -1
        }
        // Said while the frame is being handled, so it is queued before any later frame.
        if let partialAfter, voiced == partialAfter { feed.yield(.partial(partialText)) }
    }

    func finalize() async { counts.withLock { $0.finalizes += 1 } }

    func close() async {
        counts.withLock { $0.closed = true }
        feed.finish()
    }
}

/// An agent that may be asked on a pause: it answers "You said <text>." (or goodbye and hangs up on
/// "bye") and records what it was asked and what it was told to forget.
final class ProvisionalAgent: AgentConversation {
    let asked = Mutex<[String]>([])
    let withdrawn = Mutex(0)
    var expectedPhrases: [String] { [] }
    var answersProvisionally: Bool { true }
    func opening() async throws(ProviderError) -> [AgentAction] { [.say("Hello.")] }
    func respond(to input: AgentInput) -> AsyncThrowingStream<AgentAction, any Error> {
        let text: String
        if case .utterance(let said, _) = input { text = said } else { text = "" }
        asked.withLock { $0.append(text) }
        let actions: [AgentAction] = text.contains("bye") ? [.say("Goodbye."), .hangup] : [.say("You said \(text).")]
        return AsyncThrowingStream { continuation in
            for action in actions { continuation.yield(action) }
            continuation.finish()
        }
    }
    func withdrawLastTurn() { withdrawn.withLock { $0 += 1 } }
    func end() async {}
}
