import Application
import Domain
import Foundation
import Synchronization
import TestSupport
import Testing

/// Media that the test drives: it pushes caller frames and sees what was played.
///
/// Playback takes no time, except that the first `holding` playbacks are held until `flush()` (a
/// barge-in) or `close()`: a test of interruption then never races a prompt that ended on its own.
final class FakeMediaSession: MediaSession {
    let offer = MediaOffer(transport: .rtp, externalHost: "127.0.0.1:1", format: "ulaw")
    let inbound: AsyncStream<AudioFrame>
    private let feed: AsyncStream<AudioFrame>.Continuation
    private let played = Mutex<[Int]>([])
    private let flushes = Mutex(0)
    private let holding: Mutex<Int>
    private let held = Mutex<[CheckedContinuation<Void, Never>]>([])

    init(holding: Int = 0) {
        self.holding = Mutex(holding)
        (inbound, feed) = AsyncStream.makeStream(of: AudioFrame.self)
    }

    func push(_ frames: [AudioFrame]) { for frame in frames { feed.yield(frame) } }
    func end() { feed.finish() }
    var playedSampleCounts: [Int] { played.withLock { $0 } }
    var flushCount: Int { flushes.withLock { $0 } }
    /// Playbacks waiting for a flush now.
    var heldCount: Int { held.withLock { $0.count } }

    func connect(_ attachment: MediaAttachment) async throws(ProviderError) {}

    func play(_ audio: AudioStream, onFirstFrame: @escaping @Sendable () -> Void) async throws(ProviderError) -> PlaybackOutcome {
        var samples = 0
        var first = true
        let generation = flushes.withLock { $0 }
        do {
            for try await chunk in audio {
                if first { onFirstFrame(); first = false }
                samples += chunk.samples.count
            }
        } catch { throw ProviderError(.badResponse, provider: "fake", "\(error)") }
        let hold = holding.withLock { count -> Bool in
            guard count > 0 else { return false }
            count -= 1
            return true
        }
        if hold {
            await withCheckedContinuation { waiter in
                let release = flushes.withLock { current -> Bool in
                    if current != generation { return true }
                    held.withLock { $0.append(waiter) }
                    return false
                }
                if release { waiter.resume() }
            }
        }
        if flushes.withLock({ $0 }) != generation { return .interrupted(sent: .zero) }
        played.withLock { $0.append(samples) }
        return .completed(sent: .milliseconds(Int64(samples) / 16))
    }

    func flush() async {
        let waiters = flushes.withLock { count -> [CheckedContinuation<Void, Never>] in
            count += 1
            return held.withLock { waiting in defer { waiting = [] }; return waiting }
        }
        for waiter in waiters { waiter.resume() }
    }

    func close() async {
        feed.finish()
        await flush()
    }
}

/// STT that answers each utterance with the next scripted text and checks it received audio.
final class FakeSpeechToText: SpeechToText {
    let name = "fake-stt"
    private let answers: Mutex<[String]>
    let framesPerUtterance = Mutex<[Int]>([])
    let phrasesSeen = Mutex<[String]>([])

    init(answers: [String]) { self.answers = Mutex(answers) }

    func startSession(_ options: TranscriptionOptions) async throws(ProviderError) -> any TranscriptionSession {
        phrasesSeen.withLock { $0 = options.phrases }
        return Session(owner: self)
    }

    final class Session: TranscriptionSession {
        let owner: FakeSpeechToText
        let frames = Mutex(0)
        let partials = AsyncStream<Transcript> { $0.finish() }
        init(owner: FakeSpeechToText) { self.owner = owner }
        func send(_ frame: AudioFrame) async throws(ProviderError) { frames.withLock { $0 += 1 } }
        func finish() async throws(ProviderError) -> Transcript {
            let count = frames.withLock { $0 }
            owner.framesPerUtterance.withLock { $0.append(count) }
            let text = owner.answers.withLock { $0.isEmpty ? "" : $0.removeFirst() }
            return Transcript(text: text, isFinal: true, confidence: 0.9)
        }
        func cancel() async {}
    }
}

/// TTS that returns 10 ms of tone per character at 24 kHz, in two chunks.
struct FakeTextToSpeech: TextToSpeech {
    let name = "fake-tts"
    func synthesize(_ request: SynthesisRequest) -> AudioStream {
        let count = request.text.count * 240
        return AsyncThrowingStream { continuation in
            let samples = (0..<count).map { Int16(8000 * sin(Double($0) * 0.1)) }
            continuation.yield(AudioFrame(samples: Array(samples.prefix(count / 2)), sampleRate: 24_000))
            continuation.yield(AudioFrame(samples: Array(samples.dropFirst(count / 2)), sampleRate: 24_000))
            continuation.finish()
        }
    }
}

/// An agent with a fixed reply table.
struct FakeAgentConversation: AgentConversation {
    var expectedPhrases: [String] { ["balance", "bye"] }
    func opening() async throws(ProviderError) -> [AgentAction] { [.say("Hello, how can I help you?")] }
    func respond(to input: AgentInput) -> AsyncThrowingStream<AgentAction, any Error> {
        let actions: [AgentAction]
        switch input {
        case .utterance(let text, _) where text.contains("bye"): actions = [.say("Goodbye."), .hangup]
        case .utterance(let text, _) where text.contains("balance"): actions = [.say("Your balance is ten dollars.")]
        case .digits("0"): actions = [.say("Transferring."), .transfer(.queue("support"))]
        case .digits("8"): actions = [.say("Transferring."), .transfer(.external(try! PhoneNumber("+19005550100")))]
        default: actions = [.say("Sorry?")]
        }
        return AsyncThrowingStream { continuation in
            for action in actions { continuation.yield(action) }
            continuation.finish()
        }
    }
    func end() async {}
}

/// Collects published events in memory.
actor CollectingPublisher: EventPublisher {
    private(set) var events: [CallEvent] = []
    func publish(_ event: CallEvent) async throws(ProviderError) {
        // Every event the Application emits in these tests must match the repository's schemas.
        for error in validateEvent(event) { Issue.record("\(event.type) violates schemas/: \(error)") }
        events.append(event)
    }
    func flush() async {}
}

/// Speech-like frames (a voiced tone) and silence, 20 ms at 16 kHz.
enum Frames {
    static func voiced(_ count: Int) -> [AudioFrame] {
        (0..<count).map { n in
            AudioFrame(samples: (0..<320).map { Int16(7000 * sin(2 * .pi * 220 * Double(n * 320 + $0) / 16_000)) }, sampleRate: 16_000)
        }
    }
    static func silence(_ count: Int) -> [AudioFrame] { (0..<count).map { _ in .silence() } }
}
