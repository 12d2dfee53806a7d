import Foundation
import Glibc
import Testing
import TestSupport

/// SIGTERM drains the daemon (a separate process against the fake Asterisk, events in a JSONL file):
/// `/ready` turns 503 at once, a new call goes back to the dialplan with `VOICEGW_REFUSED`, the live call
/// goes on for `shutdown.grace_ms`, then hears `shutdown.goodbye` and is hung up; the events are flushed
/// and the exit code is 0. A second SIGTERM hangs up at once.
@Suite("Graceful drain end to end", .serialized)
struct DrainEndToEndTests {
    static let goodbye = "We are closing for maintenance. Goodbye."

    struct World {
        let fake: FakeAsterisk
        let directory: URL
        let daemon: DaemonProcess
        var events: EventsFile { EventsFile(path: directory.appendingPathComponent("events.jsonl").path) }

        static func make(graceMs: Int, transport: String = "rtp") async throws -> World {
            let fake = FakeAsterisk()
            try await fake.start()
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vgw-drain-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let portBase = Int.random(in: 20_000...59_000)
            let environment = [
                "VOICEGW_ARI_URL": fake.url, "VOICEGW_ARI_USERNAME": fake.username, "VOICEGW_ARI_PASSWORD": fake.password,
                "VOICEGW_ARI_APP": fake.app, "VOICEGW_EVENTS_FILE": directory.appendingPathComponent("events.jsonl").path,
                "VOICEGW_AGENT_SCRIPT": ExternalBinary.packageRoot().appendingPathComponent("etc/agent.yaml").path,
                "VOICEGW_MEDIA_RTP_PORT_MIN": "\(portBase)", "VOICEGW_MEDIA_RTP_PORT_MAX": "\(portBase + 99)",
                "VOICEGW_SHUTDOWN_GRACE_MS": "\(graceMs)", "VOICEGW_SHUTDOWN_GOODBYE": goodbye,
                "VOICEGW_INSTANCE_ID": "drain-test", "VOICEGW_LOG_LEVEL": "info", "VOICEGW_MEDIA_TRANSPORT": transport,
                "VOICEGW_MEDIA_AUDIOSOCKET_PORT": "\(ExternalBinary.freePort())",
            ].merging(DaemonHarness.generousDeadlines) { $1 }
            let daemon = DaemonProcess(environment: environment, directory: directory)
            try await daemon.start()
            return World(fake: fake, directory: directory, daemon: daemon)
        }

        /// Places a call and waits until its greeting was synthesized (whatever the transport). Returns the
        /// channel and the call id.
        func callInProgress() async throws -> (channel: String, callID: String) {
            let channel = fake.placeCall()
            var callID: String?
            #expect(await eventually(timeout: .seconds(20)) {
                callID = events.events().first {
                    $0["type"] as? String == "call.started" && ($0["data"] as? [String: Any])?["channel_id"] as? String == channel
                }?["call_id"] as? String
                guard let callID else { return false }
                return events.events(of: callID).contains { $0["type"] as? String == "tts.generated" }
            }, "no greeting; daemon log:\n\(daemon.log.suffix(3000))")
            return (channel, try #require(callID))
        }

        func close() async {
            daemon.stop()
            await fake.stop()
            try? FileManager.default.removeItem(at: directory)
        }
    }

    /// Every transport: a call's own connections (the chan_websocket media) must not be closed by the
    /// start of the drain (on a real Asterisk they were: the WebSocket client followed the service's
    /// graceful shutdown, and the call ended at once with reason error).
    @Test(arguments: ["rtp", "websocket", "audiosocket"])
    func sigtermDrainsThenSaysGoodbyeAndExitsZero(transport: String) async throws {
        let graceMs = 4000
        let world = try await World.make(graceMs: graceMs, transport: transport)
        let call = try await world.callInProgress()

        let signalled = Date()
        world.daemon.send(SIGTERM)
        // Not ready at once, while the live call goes on.
        #expect(await eventually { (try? await world.daemon.get("/ready"))?.status == 503 }, "log:\n\(world.daemon.log.suffix(2000))")
        let ready = try await world.daemon.get("/ready")
        #expect(ready.body.contains("\"calls\":\"draining\""), "\(ready.body)")
        // A new call is not taken: it goes back to the dialplan with the reason.
        let late = world.fake.placeCall()
        #expect(await eventually { world.fake.continuedChannels[late] != nil }, "requests \(world.fake.requests.suffix(6))")
        #expect(world.fake.continuedChannels[late]?["VOICEGW_REFUSED"] == "shutting_down")

        // The process exits 0 once the grace period is over and the goodbye was said.
        let status = await world.daemon.waitForExit(timeout: .seconds(60))
        #expect(status == 0, "exit \(String(describing: status)); log:\n\(world.daemon.log.suffix(3000))")
        let events = world.events.events(of: call.callID)
        let ended = try #require(events.last { $0["type"] as? String == "call.ended" }, "call.ended was not flushed")
        #expect((ended["data"] as? [String: Any])?["reason"] as? String == "shutdown")
        // It ended no earlier than the grace period after the signal (event times are the daemon's clock).
        let endedAt = try #require((ended["occurred_at"] as? String).flatMap(Self.parse))
        #expect(endedAt.timeIntervalSince(signalled) >= Double(graceMs) / 1000 - 0.05, "ended \(endedAt.timeIntervalSince(signalled)) s after SIGTERM")
        // The goodbye line was synthesized after the signal and before the end.
        let spoken = events.filter { event in
            guard event["type"] as? String == "tts.generated", let at = (event["occurred_at"] as? String).flatMap(Self.parse) else { return false }
            return at > signalled
        }
        #expect(spoken.compactMap { ($0["data"] as? [String: Any])?["characters"] as? Int } == [Self.goodbye.count], "\(spoken)")
        #expect(events.filter { $0["type"] as? String == "call.ended" }.count == 1)
        // The caller's channel was hung up by the daemon, the media channel and bridge deleted.
        #expect(world.fake.requests.contains { $0.method == "DELETE" && $0.path.hasSuffix("channels/\(call.channel)") })
        #expect(world.fake.bridges.isEmpty && !world.fake.channels.keys.contains { $0.hasPrefix("voicegw-m-") }, "\(world.fake.channels)")
        print("drain over \(transport): call ended (reason shutdown) \(String(format: "%.2f", endedAt.timeIntervalSince(signalled))) s after SIGTERM "
            + "(grace \(graceMs) ms), goodbye of \(Self.goodbye.count) characters said, late call continued with VOICEGW_REFUSED=shutting_down, exit \(status.map(String.init) ?? "-")")
        await world.close()
    }

    @Test func aSecondSigtermEndsTheCallsAtOnce() async throws {
        let world = try await World.make(graceMs: 600_000)
        let call = try await world.callInProgress()
        let signalled = Date()
        world.daemon.send(SIGTERM)
        #expect(await eventually { (try? await world.daemon.get("/ready"))?.status == 503 })
        world.daemon.send(SIGTERM)
        let status = await world.daemon.waitForExit(timeout: .seconds(60))
        #expect(status == 0, "exit \(String(describing: status)); log:\n\(world.daemon.log.suffix(3000))")
        let events = world.events.events(of: call.callID)
        let ended = try #require(events.last { $0["type"] as? String == "call.ended" })
        #expect((ended["data"] as? [String: Any])?["reason"] as? String == "shutdown")
        // No goodbye: nothing was synthesized after the first signal.
        let spoken = events.filter { event in
            guard event["type"] as? String == "tts.generated", let at = (event["occurred_at"] as? String).flatMap(Self.parse) else { return false }
            return at > signalled
        }
        #expect(spoken.isEmpty, "\(spoken)")
        #expect(world.fake.requests.contains { $0.method == "DELETE" && $0.path.hasSuffix("channels/\(call.channel)") })
        await world.close()
    }

    static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}
