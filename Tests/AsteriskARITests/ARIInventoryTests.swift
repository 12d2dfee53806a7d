@testable import AsteriskARI
import Domain
import Foundation
import Testing
import TestSupport

@Suite("ARI inventory for reconciliation", .serialized)
struct ARIInventoryTests {
    @Test func listsTheAppsChannelsItsMediaAndBridgesWithTheirAge() async throws {
        let fake = FakeAsterisk()
        try await fake.start()
        defer { Task { await fake.stop() } }
        let ari = makeTelephony(fake)
        let run = Task { try await ari.run() }
        defer { run.cancel() }
        #expect(await eventually { await ari.connectionState() == .connected })
        let callID = fake.placeCall()
        let attachment = try await ari.startMedia(
            for: ChannelID(callID), session: OfferOnlyMediaSession(rtpTo: "127.0.0.1:40000"))
        let leftovers = fake.addLeftovers(age: 120)

        let inventory = try await ari.inventory()
        let caller = try #require(inventory.channel(ChannelID(callID)))
        #expect(caller.inApplication && !caller.isDaemonMedia)
        #expect(caller.state == "Ring")
        let media = try #require(inventory.channel(attachment.mediaChannel))
        #expect(media.isDaemonMedia)
        let old = try #require(inventory.channel(ChannelID(leftovers.channel)))
        let age = try #require(old.createdAt.map { Timestamp(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000)).duration(since: $0) })
        #expect(age >= .seconds(119) && age < .seconds(130), "age \(age)")
        #expect(Set(inventory.bridges.map(\.id)) == [attachment.bridge!, BridgeID(leftovers.bridge)])
        #expect(inventory.bridges.first { $0.id.rawValue == leftovers.bridge }?.channels == [ChannelID(leftovers.channel)])
        #expect(fake.requests.contains { $0.method == "GET" && $0.path.hasSuffix("applications/\(fake.app)") })

        try await ari.deleteBridge(BridgeID(leftovers.bridge))
        try await ari.deleteBridge(BridgeID(leftovers.bridge))  // already gone: fine
        try await ari.hangup(ChannelID(leftovers.channel), cause: .normal)
        let after = try await ari.inventory()
        #expect(after.channel(ChannelID(leftovers.channel)) == nil)
        #expect(after.bridges.map(\.id) == [attachment.bridge!])
    }

    @Test func aRefusedRequestIsAnError() async throws {
        let fake = FakeAsterisk()
        try await fake.start()
        defer { Task { await fake.stop() } }
        let ari = makeTelephony(fake, password: "wrong")
        await #expect(throws: ProviderError.self) { try await ari.inventory() }
    }

    @Test func aSetUpAbandonedWhileExternalMediaIsInFlightLeavesNoChannel() async throws {
        // A caller hanging up cancels the set-up after Asterisk created the channel but before it answered.
        let fake = FakeAsterisk()
        fake.externalMediaResponseDelay = .milliseconds(400)
        try await fake.start()
        defer { Task { await fake.stop() } }
        let ari = makeTelephony(fake)
        let callID = fake.placeCall()
        let setUp = Task {
            try await ari.startMedia(for: ChannelID(callID), session: OfferOnlyMediaSession(rtpTo: "127.0.0.1:40000"))
        }
        #expect(await eventually { fake.channels.keys.contains { $0.hasPrefix("voicegw-m-") } }, "externalMedia never arrived")
        setUp.cancel()
        await #expect(throws: (any Error).self) { try await setUp.value }
        #expect(await eventually { !fake.channels.keys.contains { $0.hasPrefix("voicegw-m-") } }, "leaked \(fake.channels)")
        #expect(fake.bridges.isEmpty)
    }
}
