import Foundation
import Glibc
import Testing
import TestSupport

/// SIGHUP reads the configuration file again and applies the log level (and the operator API's keys)
/// while a call goes on (the daemon as a separate process, against the fake Asterisk).
@Suite("Reload on SIGHUP end to end", .serialized)
struct ReloadEndToEndTests {
    @Test func aNewLogLevelAppliesAtOnceAndTheLiveCallGoesOn() async throws {
        let fake = FakeAsterisk()
        try await fake.start()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vgw-reload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("voicegatewayd.yaml")
        try "log:\n  level: warning\n".write(to: config, atomically: true, encoding: .utf8)
        let portBase = Int.random(in: 20_000...59_000)
        let events = EventsFile(path: directory.appendingPathComponent("events.jsonl").path)
        let daemon = DaemonProcess(
            environment: [
                "VOICEGW_ARI_URL": fake.url, "VOICEGW_ARI_USERNAME": fake.username, "VOICEGW_ARI_PASSWORD": fake.password,
                "VOICEGW_ARI_APP": fake.app, "VOICEGW_EVENTS_FILE": events.path,
                "VOICEGW_AGENT_SCRIPT": ExternalBinary.packageRoot().appendingPathComponent("etc/agent.yaml").path,
                "VOICEGW_MEDIA_RTP_PORT_MIN": "\(portBase)", "VOICEGW_MEDIA_RTP_PORT_MAX": "\(portBase + 99)",
                "VOICEGW_INSTANCE_ID": "reload-test",
            ].merging(DaemonHarness.generousDeadlines) { $1 },
            directory: directory, arguments: ["run", "--config", config.path])
        try await daemon.start()
        defer { daemon.stop() }
        let channel = fake.placeCall()
        #expect(await eventually(timeout: .seconds(20)) { events.events().contains { $0["type"] as? String == "tts.generated" } })
        #expect(!daemon.log.contains("call started"), "warning level: the call's info lines are not logged")

        // An invalid file changes nothing.
        try "log:\n  level: loud\n".write(to: config, atomically: true, encoding: .utf8)
        daemon.send(SIGHUP)
        #expect(await eventually(timeout: .seconds(20)) { daemon.log.contains("SIGHUP: nothing reloaded") }, "\(daemon.log.suffix(2000))")
        #expect(daemon.log.contains("log.level"), "the error names the key")

        try "log:\n  level: info\n".write(to: config, atomically: true, encoding: .utf8)
        daemon.send(SIGHUP)
        #expect(await eventually(timeout: .seconds(20)) { daemon.log.contains("log level reloaded") }, "\(daemon.log.suffix(2000))")
        // The live call goes on, and what it logs at info now shows.
        fake.hangupCaller(channel)
        #expect(await eventually(timeout: .seconds(20)) { events.events().contains { $0["type"] as? String == "call.ended" } })
        #expect(await eventually(timeout: .seconds(20)) { daemon.log.contains("call ended") }, "\(daemon.log.suffix(2000))")
        #expect(events.events().filter { $0["type"] as? String == "call.ended" }.count == 1)
        await fake.stop()
    }
}
