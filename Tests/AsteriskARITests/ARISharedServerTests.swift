@testable import AsteriskARI
import Domain
import Foundation
import Testing
import TestSupport

/// Several instances on one Asterisk: one connection per application gets its events (the last to
/// register it), resources carry their instance, and a channel moves between applications.
@Suite("ARI telephony on a shared Asterisk", .serialized)
struct ARISharedServerTests {
    @Test func aSecondConnectionForTheSameAppTakesItsEventsAndTheFirstTurnsNotReady() async throws {
        let fake = FakeAsterisk()
        try await fake.start()
        defer { Task { await fake.stop() } }
        let first = makeTelephony(fake, instance: "node-a")
        let firstEvents = EventReader(first.events())
        let runFirst = Task { try await first.run() }
        defer { runFirst.cancel() }
        #expect(await firstEvents.next { $0 == .connection(.connected) } != nil)

        let second = makeTelephony(fake, instance: "node-b")
        let secondEvents = EventReader(second.events())
        let runSecond = Task { try await second.run() }
        defer { runSecond.cancel() }
        #expect(await secondEvents.next { $0 == .connection(.connected) } != nil)
        // ApplicationReplaced: the first is told, stays connected (no tug of war) but is not ready.
        #expect(await firstEvents.next { $0 == .connection(.disconnected) } != nil)
        #expect(await first.dependencyState() == .disconnected)
        #expect(await second.dependencyState() == .connected)
        #expect(fake.eventClientCount == 2)

        let channel = fake.placeCall()
        #expect(await secondEvents.next { if case .channelEntered(let c) = $0 { c.id.rawValue == channel } else { false } } != nil)
        #expect(await firstEvents.next(timeout: .zero) { if case .channelEntered = $0 { true } else { false } } == nil)
    }

    @Test func leftoversSayWhichInstanceMadeThem() async throws {
        let fake = FakeAsterisk()
        try await fake.start()
        defer { Task { await fake.stop() } }
        let tagged = fake.addLeftovers(age: 60, instance: "node-b.example")
        let untagged = fake.addLeftovers(age: 60)
        let inventory = try await makeTelephony(fake, instance: "node-a").inventory()
        #expect(inventory.channel(ChannelID(tagged.channel))?.owner == "node-b.example")
        #expect(inventory.channel(ChannelID(untagged.channel))?.owner == nil)
        #expect(inventory.bridges.first { $0.id.rawValue == tagged.bridge }?.owner == "node-b.example")
        #expect(inventory.bridges.first { $0.id.rawValue == untagged.bridge }?.owner == nil)
        #expect(DaemonResourceIDs.owner(of: DaemonResourceIDs.mediaChannel(instance: "node-a")) == "node-a")
        #expect(DaemonResourceIDs.owner(of: DaemonResourceIDs.bridge(instance: "")) == nil)
        #expect(DaemonResourceIDs.owner(of: "1795340170.12") == nil)
    }

    @Test func aChannelInAnotherInstancesApplicationIsSeenAndCanBeMovedIn() async throws {
        let fake = FakeAsterisk()
        try await fake.start()
        defer { Task { await fake.stop() } }
        let a = makeTelephony(fake, app: "voicegw-a", instance: "node-a")
        let b = makeTelephony(fake, app: "voicegw-b", instance: "node-b")
        let aEvents = EventReader(a.events())
        let bEvents = EventReader(b.events())
        let runA = Task { try await a.run() }
        let runB = Task { try await b.run() }
        defer { runA.cancel(); runB.cancel() }
        #expect(await aEvents.next { $0 == .connection(.connected) } != nil)
        #expect(await bEvents.next { $0 == .connection(.connected) } != nil)

        let channel = ChannelID(fake.placeCall(app: "voicegw-a"))
        #expect(await aEvents.next { if case .channelEntered(let c) = $0 { c.id == channel } else { false } } != nil)
        let seen = try #require(try await b.inventory().channel(channel))
        #expect(seen.inStasis && !seen.inApplication)

        try await b.adopt(channel)
        let entered = await bEvents.next { if case .channelEntered(let c) = $0 { c.id == channel } else { false } }
        #expect(entered.map { if case .channelEntered(let c) = $0 { c.arguments == ["takeover"] } else { false } } == true)
        #expect(try await b.inventory().channel(channel)?.inApplication == true)
        #expect(fake.requests.contains { $0.method == "POST" && $0.path == "/ari/channels/\(channel)/move" && $0.query["app"] == "voicegw-b" })

        fake.hangupCaller(channel.rawValue)
        #expect(await bEvents.next { $0 == .channelLeft(channel) } != nil)
        do {
            try await b.adopt(channel)
            Issue.record("adopting a gone channel should fail")
        } catch {
            #expect(error.kind == .badRequest)
        }
    }
}
