import Application
import AsteriskARI
import CallState
import Domain
import Foundation
import Logging
import Media
import Metrics
import Testing
import TestSupport

/// A `CallService` wired to in-memory ports (telephony, media, call state) and a manual clock: the
/// tests play the caller and Asterisk, and nothing in them sleeps or opens a socket.
struct CallServiceHarness {
    let clock = TestClock()
    let telephony: InMemoryTelephony
    let media: InMemoryMediaEngine
    let stt: FakeSpeechToText
    let publisher = CollectingPublisher()
    let repository: InMemoryCallRepository
    let service: CallService

    /// `answers`: what the speech-to-text hears, one per utterance; `holdsPlayback`: replies wait at
    /// the media session's gate (see `InMemoryMediaSession.allowFrames`).
    init(
        answers: [String] = [], holdsPlayback: Bool = false, tenant: TenantSettings = StaticDirectory.tenant,
        configure: (inout CallServiceConfiguration) -> Void = { _ in }
    ) {
        telephony = InMemoryTelephony(clock: clock)
        media = InMemoryMediaEngine(holdsPlayback: holdsPlayback)
        stt = FakeSpeechToText(answers: answers)
        repository = InMemoryCallRepository(clock: clock)
        var configuration = CallServiceConfiguration(instanceID: "test-instance")
        // The in-memory media plays a prompt at once: no echo to guard against (and none to time).
        configuration.conversation.echoGuard = false
        configure(&configuration)
        let dependencies = CallService.Dependencies(
            telephony: telephony, media: media, stt: stt, tts: FrameTextToSpeech(), agent: FakeAgent(), repository: repository,
            publisher: publisher, directory: StaticDirectory(settings: tenant), clock: clock)
        service = CallService(
            dependencies: dependencies, configuration: configuration, metrics: VoiceMetrics(factory: NOOPMetricsHandler.instance),
            logger: Logger(label: "call-service-test"))
    }

    /// Runs the service around `body`, then stops it (cancellation, not a graceful shutdown).
    func running(_ body: () async throws -> Void) async throws {
        let run = Task { try await service.run() }
        defer { run.cancel() }
        try await body()
        run.cancel()
        _ = await run.result
    }

    /// The `index`-th media session the service opened (0-based), once it exists.
    func session(_ index: Int = 0) async throws -> InMemoryMediaSession {
        #expect(await eventually { await media.sessions.count > index }, "no media session \(index)")
        return try #require(await media.sessions.dropFirst(index).first)
    }

    /// Waits until `session` has finished `count` playbacks; returns all its playbacks.
    @discardableResult
    func playbacks(_ session: InMemoryMediaSession, finished count: Int) async -> [InMemoryMediaSession.Playback] {
        let done = await eventually {
            let playbacks = await session.playbacks
            return playbacks.count >= count && playbacks.prefix(count).allSatisfy { $0.outcome != nil }
        }
        let playbacks = await session.playbacks
        #expect(done, "\(count) playbacks never finished: \(playbacks)")
        return playbacks
    }

    /// The events published so far, in order.
    var events: [CallEvent] { get async { await publisher.events } }

    /// Waits until `count` events of `type` were published; returns them.
    @discardableResult
    func published(_ type: CallEventType, count: Int = 1) async -> [CallEvent] {
        let arrived = await eventually { await events.filter { $0.type == type }.count >= count }
        let all = await events
        #expect(arrived, "fewer than \(count) \(type) events: \(all.map(\.type.rawValue))")
        return all.filter { $0.type == type }
    }

    /// A caller utterance the endpointer takes as one turn: 0.8 s of voice, then 0.7 s of silence.
    func speak(into session: InMemoryMediaSession) async {
        await session.push(Frames.voiced(40) + Frames.silence(35))
    }

    /// Nothing of a finished call is left: no channel, no bridge, no open media session.
    func expectNothingLeft(sourceLocation: SourceLocation = #_sourceLocation) async {
        let channels = await telephony.channels
        let bridges = await telephony.bridges
        #expect(channels.isEmpty, "channels left: \(channels.keys)", sourceLocation: sourceLocation)
        #expect(bridges.isEmpty, "bridges left: \(bridges)", sourceLocation: sourceLocation)
        #expect(await media.openSessions().isEmpty, "media sessions left open", sourceLocation: sourceLocation)
        #expect(await eventually { service.activeCalls.isEmpty }, "calls still active", sourceLocation: sourceLocation)
    }
}

/// Frame counts of the lines `FakeAgentConversation` and the conversation defaults say (one 20 ms frame
/// per character with `FrameTextToSpeech`).
enum Lines {
    static let greeting = "Hello, how can I help you?".count
    static let balance = "Your balance is ten dollars.".count
    static let goodbye = "Goodbye.".count
    static let transferring = "Transferring.".count
    static let reprompt = ConversationConfiguration().repromptLine.count
}

/// Text-to-speech that makes one 20 ms frame of 16 kHz tone per character, so that a line of n
/// characters plays as exactly n frames.
struct FrameTextToSpeech: TextToSpeech {
    let name = "frame-tts"
    func synthesize(_ request: SynthesisRequest) -> AudioStream {
        let samples = (0..<(request.text.count * 320)).map { Int16(6000 * sin(Double($0) * 0.2)) }
        return AsyncThrowingStream { continuation in
            continuation.yield(AudioFrame(samples: samples, sampleRate: 16_000))
            continuation.finish()
        }
    }
}

/// The agent of `FakeAgentConversation` (greets, answers "balance", hangs up on "bye", transfers on 0).
struct FakeAgent: Agent {
    let name = "fake-agent"
    func startConversation(_ context: AgentContext) async throws(ProviderError) -> any AgentConversation {
        FakeAgentConversation()
    }
}

/// One tenant for every number but "999", which no tenant owns.
struct StaticDirectory: TenantDirectory {
    static let tenant = TenantSettings(id: "acme", agentID: "support-bot")
    /// The one tenant's settings (`tenant` unless a test gives others).
    var settings = Self.tenant
    func tenant(forDialled did: String, trunk: String?) async throws(ProviderError) -> TenantSettings {
        guard did != "999" else { throw ProviderError(.badRequest, provider: "directory", "no tenant owns \(did)") }
        return settings
    }
    func settings(for id: TenantID) async throws(ProviderError) -> TenantSettings { settings }
}

extension CallEvent {
    /// `data[key]` as a string, if it is one.
    func string(_ key: String) -> String? {
        if case .string(let value) = data[key] { return value }
        return nil
    }
}
