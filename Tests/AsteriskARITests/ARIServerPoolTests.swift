import Application
@testable import AsteriskARI
import Domain
import Foundation
import Logging
import Metrics
import Testing
import TestSupport

/// `ari.servers`: two fake Asterisks behind one `Telephony`, whose own channel ids collide (both count
/// from `1795340170.1`).
@Suite("ARI server pool against two fake Asterisks", .serialized)
struct ARIServerPoolTests {
    /// `deadServer`: the index of a server the test stops, whose requests fail after 1 s (a refused
    /// connection is retried until the request's deadline) rather than the generous 30 s of the others.
    func pool(_ fakes: [FakeAsterisk], deadServer: Int? = nil) -> ARIServerPool {
        let servers = fakes.enumerated().map { index, fake in
            var config = ARITelephony.Configuration(url: URL(string: fake.url)!, username: fake.username, password: fake.password, app: fake.app)
            config.requestTimeout = index == deadServer ? .seconds(1) : .seconds(30)
            config.mediaStartTimeout = .seconds(30)
            config.name = "pbx\(index + 1)"
            config.instance = "node-a"
            return ARITelephony(configuration: config, clock: SystemClock(), metricsFactory: NOOPMetricsHandler.instance, logger: Logger(label: "pool-test"))
        }
        return ARIServerPool(servers: servers, logger: Logger(label: "pool-test"))
    }

    func entered(_ reader: EventReader) async -> IncomingChannel? {
        guard case .channelEntered(let channel) = await reader.next(where: { if case .channelEntered = $0 { true } else { false } }) else { return nil }
        return channel
    }

    @Test func callsOfBothServersAreToldApartAndEachRequestGoesToItsServer() async throws {
        let fakes = [FakeAsterisk(), FakeAsterisk()]
        for fake in fakes { try await fake.start() }
        defer { Task { for fake in fakes { await fake.stop() } } }
        let pool = pool(fakes)
        let reader = EventReader(pool.events())
        let run = Task { try await pool.run() }
        defer { run.cancel() }
        #expect(await eventually { await pool.dependencyState() == .connected })
        #expect(pool.serverHealth.map(\.dependencyName) == ["ari:pbx1", "ari:pbx2"])
        #expect(pool.serverHealth.allSatisfy { !$0.gatesReadiness } && pool.gatesReadiness)

        let first = fakes[0].placeCall(callerNumber: "+15550000001")
        let second = fakes[1].placeCall(callerNumber: "+15550000002")
        #expect(first == second, "the fakes should collide, as two Asterisks without systemname do")
        let one = try #require(await entered(reader))
        let two = try #require(await entered(reader))
        let byServer = Dictionary(uniqueKeysWithValues: [one, two].map { ($0.server, $0) })
        #expect(byServer["pbx1"]?.id.rawValue == "pbx1/\(first)" && byServer["pbx1"]?.callerNumber == "+15550000001")
        #expect(byServer["pbx2"]?.id.rawValue == "pbx2/\(second)" && byServer["pbx2"]?.callerNumber == "+15550000002")

        let onTwo = try #require(byServer["pbx2"]).id
        try await pool.answer(onTwo)
        #expect(fakes[1].requests.contains { $0.path == "/ari/channels/\(second)/answer" })
        #expect(!fakes[0].requests.contains { $0.path.hasSuffix("/answer") })
        let attachment = try await pool.startMedia(for: onTwo, session: OfferOnlyMediaSession(rtpTo: "127.0.0.1:40000"))
        #expect(attachment.callChannel == onTwo)
        #expect(DaemonResourceIDs.owner(of: attachment.mediaChannel.rawValue) == "node-a")
        #expect(fakes[1].bridges[attachment.bridge!.rawValue]?.sorted() == [second, attachment.mediaChannel.rawValue].sorted())
        #expect(fakes[0].bridges.isEmpty)

        // The inventory of both, with the ids the daemon sees; the media's server is known from it.
        let inventory = try await pool.inventory()
        #expect(inventory.complete)
        #expect(Set(inventory.channels.filter { !$0.isDaemonMedia }.map(\.id.rawValue)) == ["pbx1/\(first)", "pbx2/\(second)"])
        #expect(inventory.channel(attachment.mediaChannel)?.isDaemonMedia == true)
        await pool.stopMedia(attachment)
        #expect(fakes[1].channels[attachment.mediaChannel.rawValue] == nil && fakes[1].bridges.isEmpty)

        fakes[0].hangupCaller(first)
        #expect(await reader.next { $0 == .channelLeft(ChannelID("pbx1/\(first)")) } != nil)
        try await pool.hangup(onTwo, cause: .normal)
        #expect(fakes[1].channels[second] == nil)
        do {
            try await pool.answer("pbx9/1.2")
            Issue.record("an unknown server's channel should be refused")
        } catch {
            #expect(error.kind == .badRequest)
        }
    }

    @Test func oneServerDownLeavesTheOtherServingAndTheInventoryIncomplete() async throws {
        let fakes = [FakeAsterisk(), FakeAsterisk()]
        for fake in fakes { try await fake.start() }
        defer { Task { for fake in fakes { await fake.stop() } } }
        let pool = pool(fakes, deadServer: 0)
        let reader = EventReader(pool.events())
        let run = Task { try await pool.run() }
        defer { run.cancel() }
        #expect(await eventually { await pool.dependencyState() == .connected })
        await fakes[0].stop()
        #expect(await eventually { await pool.dependencyState() == .degraded }, "pbx1 going away should degrade the pool")
        #expect(await pool.connectionState() == .connected)
        #expect(await pool.serverHealth[0].dependencyState() == .disconnected)

        let channel = fakes[1].placeCall()
        #expect(await entered(reader)?.id.rawValue == "pbx2/\(channel)")
        let inventory = try await pool.inventory()
        #expect(!inventory.complete)
        #expect(inventory.channels.map(\.id.rawValue) == ["pbx2/\(channel)"])
        // Outbound calls go out through the server that is up.
        let placed = try await pool.originate(OriginateRequest(endpoint: "PJSIP/+15551234567@trunk", channelID: "voicegw-o-test"))
        #expect(placed == "voicegw-o-test")
        #expect(fakes[1].requests.contains { $0.method == "POST" && $0.path == "/ari/channels" })
        try await pool.hangup("voicegw-o-test", cause: .normal)
        #expect(fakes[1].requests.contains { $0.method == "DELETE" && $0.path == "/ari/channels/voicegw-o-test" })
    }
}
