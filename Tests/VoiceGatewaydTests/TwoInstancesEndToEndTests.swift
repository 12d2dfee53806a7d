import CallState
import Domain
import Foundation
import Logging
import Testing
import TestSupport

@testable import VoiceGatewayd

/// Two daemon processes sharing a real Redis, each serving two fake Asterisks (`ari.servers`) under its
/// own Stasis application, as docs/scaling.md lays out. Calls of both servers reach the right instance
/// and are tagged with their server; when one instance is killed, the other takes its calls over on
/// both servers (moving each channel into its own application) and the conversations go on.
@Suite("Two instances and two Asterisks end to end", .serialized, .enabled(if: ExternalBinary.onPath("redis-server") != nil))
struct TwoInstancesEndToEndTests {
    struct World {
        let redis: RedisServerProcess
        let pbx: [FakeAsterisk]
        let directory: URL

        func daemon(_ name: String, app: String, ports: Int) throws -> DaemonProcess {
            let config = directory.appendingPathComponent("\(name).yaml")
            try """
                instance_id: \(name)
                ari:
                  username: \(pbx[0].username)
                  password: \(pbx[0].password)
                  app: \(app)
                  servers:
                    pbx1: {url: "\(pbx[0].url)"}
                    pbx2: {url: "\(pbx[1].url)"}
                """.write(to: config, atomically: true, encoding: .utf8)
            let environment = [
                "VOICEGW_EVENTS_FILE": eventsFile(name), "VOICEGW_AGENT_SCRIPT": ExternalBinary.packageRoot().appendingPathComponent("etc/agent.yaml").path,
                "VOICEGW_MEDIA_RTP_PORT_MIN": "\(ports)", "VOICEGW_MEDIA_RTP_PORT_MAX": "\(ports + 99)",
                "VOICEGW_CALL_STATE_BACKEND": "redis", "VOICEGW_CALL_STATE_REDIS_URL": redis.url, "VOICEGW_CALL_STATE_HEARTBEAT_TTL_S": "3",
                "VOICEGW_CALLS_RECONCILE_INTERVAL_S": "1", "VOICEGW_LOG_LEVEL": "info",
            ].merging(DaemonHarness.generousDeadlines) { $1 }
            let home = directory.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
            return DaemonProcess(environment: environment, directory: home, arguments: ["run", "--config", config.path])
        }

        func eventsFile(_ name: String) -> String { directory.appendingPathComponent("\(name)-events.jsonl").path }

        /// The events of `callID` from both instances, in sequence order.
        func events(of callID: String) -> [[String: Any]] {
            (EventsFile(path: eventsFile("node-a")).events(of: callID) + EventsFile(path: eventsFile("node-b")).events(of: callID))
                .sorted { ($0["sequence"] as? Int ?? 0) < ($1["sequence"] as? Int ?? 0) }
        }

        func callID(on channel: String, server: String) -> String? {
            for name in ["node-a", "node-b"] {
                let started = EventsFile(path: eventsFile(name)).events(of: nil).first {
                    $0["type"] as? String == "call.started" && ($0["data"] as? [String: Any])?["channel_id"] as? String == "\(server)/\(channel)"
                }
                if let id = started?["call_id"] as? String { return id }
            }
            return nil
        }
    }

    @Test func callsOfTwoAsterisksAreServedByTheirInstanceAndADeadInstancesCallsAreTakenOver() async throws {
        let redis = try #require(try RedisServerProcess())
        let pbx = [FakeAsterisk(), FakeAsterisk()]
        for fake in pbx { try await fake.start() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vgw-two-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let world = World(redis: redis, pbx: pbx, directory: directory)
        let base = Int.random(in: 20_000...58_000)
        let a = try world.daemon("node-a", app: "voicegw-a", ports: base)
        let b = try world.daemon("node-b", app: "voicegw-b", ports: base + 200)
        try await a.start()
        try await b.start()
        defer {
            a.stop()
            b.stop()
        }
        // /ready: the pool and each server. One server up is ready (degraded) already: wait for both on
        // both daemons, as Stasis() on a server where the application has no connection fails.
        for daemon in [a, b] {
            #expect(await eventually {
                let ready = try? await daemon.get("/ready")
                return ready?.body.contains(#""ari:pbx1":"connected""#) == true && ready?.body.contains(#""ari:pbx2":"connected""#) == true
                    && ready?.body.contains(#""ari":"connected""#) == true
            }, "not connected to both servers")
        }

        // The dialplans send calls to either instance's application, on either server.
        let calls = [(pbx: 0, app: "voicegw-a"), (pbx: 1, app: "voicegw-a"), (pbx: 1, app: "voicegw-b")].map { call in
            (call.pbx, pbx[call.pbx].placeCall(callerNumber: "+1555000000\(call.pbx)", app: call.app))
        }
        var peers: [FakeRTPPeer] = []
        for (server, channel) in calls {
            var peer: FakeRTPPeer?
            #expect(await eventually(timeout: .seconds(20)) { peer = pbx[server].rtpPeer(bridgedWith: channel); return peer.map { $0.received.count > 10 } ?? false },
                    "no greeting on pbx\(server + 1)/\(channel); a:\n\(a.log.suffix(2000))\nb:\n\(b.log.suffix(2000))")
            peers.append(try #require(peer))
        }
        let ids = try calls.map { try #require(world.callID(on: $0.1, server: "pbx\($0.0 + 1)")) }
        let repository = RedisCallRepository(
            configuration: RedisConfiguration(endpoint: try RedisEndpoint(url: redis.url)), clock: WallClock(), logger: Logger(label: "check"))
        for (index, owner) in ["node-a", "node-a", "node-b"].enumerated() {
            let stored = try #require(try await repository.get(CallID(ids[index])))
            #expect(stored.instanceID == InstanceID(owner))
            #expect(stored.metadata["asterisk_server"] == "pbx\(calls[index].0 + 1)")
        }

        // node-a dies: node-b takes its two calls over, on both servers, and they go on.
        a.kill9()
        for (index, (server, channel)) in calls.enumerated().prefix(2) {
            var resumed: FakeRTPPeer?
            #expect(await eventually(timeout: .seconds(30)) {
                resumed = pbx[server].rtpPeer(bridgedWith: channel)
                return resumed.map { $0 !== peers[index] && $0.received.count > 10 } ?? false
            }, "call \(index) not taken over; b:\n\(b.log.suffix(3000))")
            #expect(await eventually { (try? await repository.get(CallID(ids[index])))??.instanceID == "node-b" })
            #expect(pbx[server].requests.contains { $0.path == "/ari/channels/\(channel)/move" && $0.query["app"] == "voicegw-b" })
        }
        // node-a's old media is gone from both servers: each has just its calls and their new media.
        #expect(await eventually { pbx[0].channels.count == 2 && pbx[0].bridges.count == 1 }, "\(pbx[0].channels)")
        #expect(await eventually { pbx[1].channels.count == 4 && pbx[1].bridges.count == 2 }, "\(pbx[1].channels)")
        let resumedLine = world.events(of: ids[0]).first { $0["type"] as? String == "tts.generated" && $0["instance_id"] as? String == "node-b" }
        #expect((resumedLine?["data"] as? [String: Any])?["characters"] as? Int == "Sorry, where were we?".count)

        for (server, channel) in calls { pbx[server].hangupCaller(channel) }
        for id in ids {
            #expect(await eventually { world.events(of: id).contains { $0["type"] as? String == "call.ended" } }, "\(id) not ended")
            let events = world.events(of: id)
            #expect(events.filter { $0["type"] as? String == "call.started" }.count == 1)
            #expect(events.filter { $0["type"] as? String == "call.ended" }.count == 1)
            let sequences = events.compactMap { $0["sequence"] as? Int }
            #expect(Set(sequences).count == sequences.count, "a sequence number was used twice: \(sequences)")
        }
        #expect(await eventually { pbx.allSatisfy { $0.channels.isEmpty && $0.bridges.isEmpty } }, "\(pbx.map(\.channels))")
        for fake in pbx { await fake.stop() }
        try? FileManager.default.removeItem(at: directory)
    }
}
