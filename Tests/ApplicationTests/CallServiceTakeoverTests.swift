import Application
import AsteriskARI
import CallState
import Domain
import Logging
import Media
import Metrics
import Testing
import TestSupport

/// Several instances sharing the call state: a dead instance's calls are taken over by a live one, new
/// channels are claimed once, and another instance's media is never deleted as a leftover.
@Suite struct CallServiceTakeoverTests {
    let clock = TestClock()
    let telephony: InMemoryTelephony
    let media = InMemoryMediaEngine()
    let repository: InMemoryCallRepository
    let registry: InMemoryInstanceRegistry
    let claims = InMemoryChannelClaims()
    let service: CallService

    init() {
        telephony = InMemoryTelephony(clock: clock)
        repository = InMemoryCallRepository(clock: clock)
        registry = InMemoryInstanceRegistry(clock: clock)
        service = Self.service(telephony: telephony, media: media, repository: repository, registry: registry, claims: claims, clock: clock)
    }

    static func service(
        telephony: InMemoryTelephony, media: InMemoryMediaEngine, repository: any CallRepository, registry: InMemoryInstanceRegistry,
        claims: InMemoryChannelClaims, clock: TestClock
    ) -> CallService {
        var configuration = CallServiceConfiguration(instanceID: "node-b")
        configuration.conversation.echoGuard = false
        var dependencies = CallService.Dependencies(
            telephony: telephony, media: media, stt: FakeSpeechToText(answers: []), tts: FrameTextToSpeech(), agent: FakeAgent(),
            repository: repository, publisher: CollectingPublisher(), directory: StaticDirectory(), clock: clock)
        dependencies.registry = registry
        dependencies.claims = claims
        return CallService(
            dependencies: dependencies, configuration: configuration, metrics: VoiceMetrics(factory: NOOPMetricsHandler.instance),
            logger: Logger(label: "takeover-test"))
    }

    /// A call `node-dead` answered on `channel`, stored as it left it, with the greeting in its history.
    func deadInstancesCall(on channel: ChannelID) async throws -> Call {
        var call = Call(
            id: .random(), tenantID: StaticDirectory.tenant.id, channelID: channel, conversationID: .random(), direction: .inbound,
            callerNumber: "+15551230000", calleeNumber: "100", instanceID: "node-dead", createdAt: clock.now())
        _ = try call.answer(at: clock.now())
        _ = try call.activate(at: clock.now())
        call.remember(HistoryLine(speaker: .agent, text: "Hello, how can I help you?", at: clock.now()))
        try await repository.save(call)
        try await registry.heartbeat("node-dead", ttl: .seconds(15))
        clock.advance(by: .seconds(16))
        return call
    }

    @Test func aDeadInstancesCallIsMovedIntoThisApplicationAndResumedWithItsHistory() async throws {
        let channel = await telephony.placeCall(inApplication: "voicegw-dead", id: "1767225600.77")
        let call = try await deadInstancesCall(on: channel)
        let deadMedia = await telephony.addLeftovers(of: "node-dead", createdAt: clock.now())
        let livePeersMedia = await telephony.addLeftovers(of: "node-c", createdAt: clock.now().advanced(by: .seconds(-3600)))
        let run = Task { try await service.run() }
        defer { run.cancel() }
        await telephony.setConnected(true)  // reconciles

        #expect(await eventually { await media.sessions.count == 1 }, "the call was not resumed")
        let session = try #require(await media.sessions.first)
        #expect(await eventually { await session.playbacks.contains { $0.frames == "Sorry, where were we?".count } }, "no resume line")
        let stored = try #require(try await repository.get(call.id))
        #expect(stored.instanceID == "node-b" && stored.state.isLive)
        #expect(stored.history?.first?.text == "Hello, how can I help you?")
        #expect(await telephony.channels[channel]?.inApplication == true)
        // The dead instance's leftovers go at once; a live peer's stay, however old.
        let channels = await telephony.channels
        #expect(channels[deadMedia.channel] == nil && channels[livePeersMedia.channel] != nil)
        #expect(await telephony.bridges[livePeersMedia.bridge] != nil)
        #expect(try await registry.knownInstances() == [])
    }

    @Test func aCallAnotherInstanceTookOverBetweenThePlanAndTheUpdateIsLeftToIt() async throws {
        let channel = await telephony.placeCall(inApplication: "voicegw-dead", id: "1767225600.78")
        let call = try await deadInstancesCall(on: channel)
        // node-c won the race: the listing this instance plans from is older than the stored call.
        _ = try await repository.update(call.id) { $0.instanceID = "node-c" }
        let stale = StaleListing(repository: repository, instance: "node-dead")
        let service = Self.service(telephony: telephony, media: media, repository: stale, registry: registry, claims: claims, clock: clock)
        let run = Task { try await service.run() }
        defer { run.cancel() }
        await telephony.setConnected(true)
        // The pass is over once the dead instance is forgotten (nothing of it was left unfinished).
        #expect(await eventually { (try? await registry.knownInstances()) == [] }, "no reconciliation")
        #expect(await telephony.channels[channel]?.inApplication == false)
        #expect(await media.sessions.isEmpty)
        #expect(try await repository.get(call.id)?.instanceID == "node-c")
    }

    @Test func aChannelAnotherInstanceClaimedFirstIsLeftAlone() async throws {
        #expect(try await claims.claim("1767225600.1", for: "node-a"))
        let run = Task { try await service.run() }
        defer { run.cancel() }
        let taken = await telephony.placeCall()
        let mine = await telephony.placeCall()
        #expect(taken == "1767225600.1")
        #expect(await eventually { await telephony.answered.contains(mine) }, "the free channel was not answered")
        #expect(await !telephony.answered.contains(taken))
        #expect(try await repository.list(CallFilter()).map(\.channelID) == [mine])
    }
}

/// A repository whose listing still shows every call as `instance`'s (read just before another
/// instance's update).
struct StaleListing: CallRepository {
    let repository: InMemoryCallRepository
    let instance: InstanceID

    func save(_ call: Call) async throws { try await repository.save(call) }
    func get(_ id: CallID) async throws -> Call? { try await repository.get(id) }
    func update<Result: Sendable>(_ id: CallID, _ body: @Sendable (inout Call) throws -> Result) async throws -> (Call, Result) {
        try await repository.update(id, body)
    }
    func list(_ filter: CallFilter) async throws -> [Call] {
        try await repository.list(filter).map {
            var call = $0
            call.instanceID = instance
            return call
        }
    }
}
