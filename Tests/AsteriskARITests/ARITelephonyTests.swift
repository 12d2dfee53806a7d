import Application
@testable import AsteriskARI
import Domain
import Foundation
import Logging
import Metrics
import Synchronization
import Testing
import TestSupport

/// Collects telephony events in the background and hands them out one by one with a deadline.
/// (Cancelling a task waiting on an AsyncStream ends the stream, so the stream is drained by one task.)
final class EventReader: Sendable {
    private let drain: Task<Void, Never>

    init(_ stream: AsyncStream<TelephonyEvent>) {
        let box = Box()
        drain = Task { for await event in stream { box.append(event) } }
        self.box = box
    }
    private let box: Box

    final class Box: Sendable {
        let events = Mutex<[TelephonyEvent]>([])
        func append(_ event: TelephonyEvent) { events.withLock { $0.append(event) } }
        func take(where predicate: (TelephonyEvent) -> Bool) -> TelephonyEvent? {
            events.withLock { events in
                guard let index = events.firstIndex(where: predicate) else { return nil }
                let event = events[index]
                events.removeSubrange(...index)
                return event
            }
        }
    }

    deinit { drain.cancel() }

    /// The next event matching `predicate` (earlier ones are skipped), or nil after `timeout`.
    func next(timeout: Duration = .seconds(30), where predicate: (TelephonyEvent) -> Bool) async -> TelephonyEvent? {
        let deadline = ContinuousClock.now + timeout
        repeat {
            if let event = box.take(where: predicate) { return event }
            try? await Task.sleep(for: .milliseconds(2))
        } while ContinuousClock.now < deadline
        return box.take(where: predicate)
    }
}

func makeTelephony(_ fake: FakeAsterisk, password: String? = nil, app: String? = nil, instance: String = "") -> ARITelephony {
    var config = ARITelephony.Configuration(url: URL(string: fake.url)!, username: fake.username, password: password ?? fake.password, app: app ?? fake.app)
    config.instance = instance
    // Generous: tests run side by side on a loaded machine; deadlines have tests of their own.
    config.requestTimeout = .seconds(30)
    config.mediaStartTimeout = .seconds(30)
    return ARITelephony(configuration: config, clock: SystemClock(), metricsFactory: NOOPMetricsHandler.instance, logger: Logger(label: "ari-test"))
}


@Suite("ARI telephony against the fake Asterisk", .serialized)
struct ARITelephonyTests {
    @Test func inboundCallMediaAndHangup() async throws {
        let fake = FakeAsterisk()
        try await fake.start()
        defer { Task { await fake.stop() } }
        let ari = makeTelephony(fake)
        let reader = EventReader(ari.events())
        let run = Task { try await ari.run() }
        defer { run.cancel() }
        #expect(await eventually { await ari.connectionState() == .connected })

        let callID = fake.placeCall(callerNumber: "+15550001111", extension: "100")
        let entered = await reader.next { if case .channelEntered = $0 { true } else { false } }
        guard case .channelEntered(let channel) = entered else { Issue.record("no call"); return }
        #expect(channel.id.rawValue == callID)
        #expect(channel.state == "Ring")
        #expect(channel.isRinging)
        #expect(channel.callerNumber == "+15550001111")
        #expect(channel.extensionNumber == "100")

        try await ari.answer(channel.id)
        let attachment = try await ari.startMedia(for: channel.id, session: OfferOnlyMediaSession(rtpTo: "127.0.0.1:40000"))
        #expect(attachment.variables["UNICASTRTP_LOCAL_ADDRESS"] == "127.0.0.1")
        #expect(Int(attachment.variables["UNICASTRTP_LOCAL_PORT"] ?? "") != nil)
        // Bridged only after the media channel's StasisStart: no 422 was ever provoked.
        let adds = fake.requests.filter { $0.path.hasSuffix("/addChannel") }
        #expect(adds.count == 1)
        #expect(fake.bridges[attachment.bridge!.rawValue]?.sorted() == [callID, attachment.mediaChannel.rawValue].sorted())
        // Media channel events are not calls.
        let media = await reader.next(timeout: .milliseconds(200)) { if case .channelEntered = $0 { true } else { false } }
        #expect(media == nil)

        await ari.stopMedia(attachment)
        #expect(fake.channels[attachment.mediaChannel.rawValue] == nil)
        #expect(fake.bridges.isEmpty)

        fake.hangupCaller(callID)
        let hangup = await reader.next { if case .hangupRequested = $0 { true } else { false } }
        #expect(hangup == .hangupRequested(ChannelID(callID), cause: 16, soft: false))
        let left = await reader.next { if case .channelLeft = $0 { true } else { false } }
        #expect(left == .channelLeft(ChannelID(callID)))
        // Hanging up a channel that is gone is fine.
        try await ari.hangup(ChannelID(callID), cause: .normal)
    }

    @Test func theRaceIsRealInTheFake() async throws {
        // Guard against a fake that would hide the race: bridging before StasisStart must be refused.
        let fake = FakeAsterisk()
        fake.holdMediaStasis = true
        try await fake.start()
        defer { Task { await fake.stop() } }
        let ari = makeTelephony(fake)
        let callID = fake.placeCall()
        let media = try await ari.rest.expectSuccess(.POST, "channels/externalMedia", query: [
            ("app", fake.app), ("external_host", "127.0.0.1:40002"), ("format", "ulaw"), ("channelId", "m1"),
        ])
        #expect(media.status == 200)
        try await ari.rest.expectSuccess(.POST, "bridges", query: [("type", "mixing"), ("bridgeId", "b1")])
        let early = try await ari.rest.send(.POST, "bridges/b1/addChannel", query: [("channel", "\(callID),m1")])
        #expect(early.status == 422)
        #expect(early.message == "Channel not in Stasis application")
    }

    @Test func startMediaWaitsForASlowStasisStart() async throws {
        let fake = FakeAsterisk()
        fake.holdMediaStasis = true
        try await fake.start()
        defer { Task { await fake.stop() } }
        let ari = makeTelephony(fake)
        let run = Task { try await ari.run() }
        defer { run.cancel() }
        #expect(await eventually { await ari.connectionState() == .connected })
        let callID = fake.placeCall()
        let media = Task { try await ari.startMedia(for: ChannelID(callID), session: OfferOnlyMediaSession(rtpTo: "127.0.0.1:40004")) }
        #expect(await eventually { fake.requests.contains { $0.path.hasSuffix("/channels/externalMedia") } }, "no externalMedia request")
        #expect(!fake.requests.contains { $0.path.hasSuffix("/addChannel") }, "bridged before the media channel's StasisStart")
        fake.releaseHeldStasis()
        let attachment = try await media.value
        #expect(fake.bridges[attachment.bridge!.rawValue]?.count == 2)
    }

    @Test func reconnectsAfterADropWithoutCloseFrame() async throws {
        let fake = FakeAsterisk()
        try await fake.start()
        defer { Task { await fake.stop() } }
        let ari = makeTelephony(fake)
        let reader = EventReader(ari.events())
        let run = Task { try await ari.run() }
        defer { run.cancel() }
        #expect(await reader.next { $0 == .connection(.connected) } != nil)

        fake.dropEventConnections(refuseFor: .milliseconds(500))
        let dropped = ContinuousClock.now
        #expect(await reader.next { $0 == .connection(.disconnected) } != nil)
        #expect(await ari.connectionState() == .disconnected)
        #expect(await ari.dependencyState() == .disconnected)
        #expect(await reader.next(timeout: .seconds(30)) { $0 == .connection(.connected) } != nil)
        let back = ContinuousClock.now - dropped
        // Refused for 0.5 s, then back (about 0.6 s on a quiet machine); the schedule itself (first retry
        // <= 250 ms, cap 30 s) is checked without sleeping in the backoff tests, so no wall-clock bound here.
        print("ARI reconnected \(back) after the drop")
        #expect(await ari.connectionState() == .connected)
        #expect(fake.eventClientCount == 1)
        // The app is registered again: calls arrive.
        let callID = fake.placeCall()
        let entered = await reader.next { if case .channelEntered = $0 { true } else { false } }
        #expect(entered.map { if case .channelEntered(let c) = $0 { c.id.rawValue == callID } else { false } } == true)
    }

    @Test func wrongPasswordIsAnAuthError() async throws {
        let fake = FakeAsterisk()
        try await fake.start()
        defer { Task { await fake.stop() } }
        let ari = makeTelephony(fake, password: "wrong")
        do {
            try await ari.answer("123")
            Issue.record("expected an auth error")
        } catch {
            #expect(error.kind == .auth)
        }
        let run = Task { try await ari.run() }
        try await Task.sleep(for: .milliseconds(300))
        #expect(await ari.connectionState() == .disconnected)
        run.cancel()
    }

    @Test func malformedEventsAreCountedNotFatal() async throws {
        let fake = FakeAsterisk()
        try await fake.start()
        defer { Task { await fake.stop() } }
        let ari = makeTelephony(fake)
        let reader = EventReader(ari.events())
        ari.handle("{not json")
        ari.handle(#"{"type":"StasisStart"}"#)
        ari.handle(#"{"type":"BrandNewEvent"}"#)
        let run = Task { try await ari.run() }
        defer { run.cancel() }
        #expect(await reader.next { $0 == .connection(.connected) } != nil)
        fake.placeCall()
        #expect(await reader.next { if case .channelEntered = $0 { true } else { false } } != nil)
    }
}
