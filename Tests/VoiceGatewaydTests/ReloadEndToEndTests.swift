import Foundation
import Glibc
import Testing
import TestSupport

/// SIGHUP reads the configuration file again and applies the log level, the tenants and the agent script
/// (and the operator API's keys) while a call goes on (the daemon as a separate process, against the
/// fake Asterisk).
@Suite("Reload on SIGHUP end to end", .serialized)
struct ReloadEndToEndTests {
    /// The daemon as a process reading `config` (so SIGHUP reads it again), against `fake`, with its
    /// events in `directory`; `environment` adds to the common settings.
    static func daemon(fake: FakeAsterisk, directory: URL, config: URL, environment: [String: String] = [:]) -> (DaemonProcess, EventsFile) {
        let portBase = Int.random(in: 20_000...59_000)
        let events = EventsFile(path: directory.appendingPathComponent("events.jsonl").path)
        let daemon = DaemonProcess(
            environment: [
                "VOICEGW_ARI_URL": fake.url, "VOICEGW_ARI_USERNAME": fake.username, "VOICEGW_ARI_PASSWORD": fake.password,
                "VOICEGW_ARI_APP": fake.app, "VOICEGW_EVENTS_FILE": events.path,
                "VOICEGW_AGENT_SCRIPT": ExternalBinary.packageRoot().appendingPathComponent("etc/agent.yaml").path,
                "VOICEGW_MEDIA_RTP_PORT_MIN": "\(portBase)", "VOICEGW_MEDIA_RTP_PORT_MAX": "\(portBase + 99)",
                "VOICEGW_INSTANCE_ID": "reload-test",
            ].merging(DaemonHarness.generousDeadlines) { $1 }.merging(environment) { $1 },
            directory: directory, arguments: ["run", "--config", config.path])
        return (daemon, events)
    }

    @Test func aNewLogLevelAppliesAtOnceAndTheLiveCallGoesOn() async throws {
        let fake = FakeAsterisk()
        try await fake.start()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vgw-reload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("voicegatewayd.yaml")
        try "log:\n  level: warning\n".write(to: config, atomically: true, encoding: .utf8)
        let (daemon, events) = Self.daemon(fake: fake, directory: directory, config: config)
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

    @Test func newTenantsAndAgentScriptApplyToTheNextCallWhileTheLiveOneKeepsItsOwn() async throws {
        let fake = FakeAsterisk()
        try await fake.start()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vgw-reload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let shipped = try String(contentsOf: ExternalBinary.packageRoot().appendingPathComponent("etc/agent.yaml"), encoding: .utf8)
        let script = directory.appendingPathComponent("agent.yaml")
        let tenants = directory.appendingPathComponent("tenants.yaml")
        try shipped.write(to: script, atomically: true, encoding: .utf8)
        try "tenants:\n  - id: acme\n    dids: [\"100\"]\n".write(to: tenants, atomically: true, encoding: .utf8)
        let config = directory.appendingPathComponent("voicegatewayd.yaml")
        try "log:\n  level: info\n".write(to: config, atomically: true, encoding: .utf8)
        let (daemon, events) = Self.daemon(
            fake: fake, directory: directory, config: config,
            environment: ["VOICEGW_AGENT_SCRIPT": script.path, "VOICEGW_TENANTS_FILE": tenants.path])
        try await daemon.start()
        defer { daemon.stop() }
        func greeting(ofCallOn channel: String) async -> (tenant: String, characters: Int)? {
            var found: (String, Int)?
            _ = await eventually(timeout: .seconds(20)) {
                let all = events.events()
                guard let started = all.first(where: {
                    $0["type"] as? String == "call.started" && ($0["data"] as? [String: Any])?["channel_id"] as? String == channel
                }), let call = started["call_id"] as? String,
                    let spoken = all.first(where: { $0["type"] as? String == "tts.generated" && $0["call_id"] as? String == call })
                else { return false }
                found = (started["tenant_id"] as? String ?? "", (spoken["data"] as? [String: Any])?["characters"] as? Int ?? 0)
                return true
            }
            return found
        }
        let first = fake.placeCall(extension: "100")
        let before = try #require(await greeting(ofCallOn: first), "no greeting; \(daemon.log.suffix(2000))")
        #expect(before.tenant == "acme" && before.characters == "Hello, how can I help you?".count)

        // A broken script changes nothing, and the error names the key.
        try "greeting: [unclosed\n".write(to: script, atomically: true, encoding: .utf8)
        daemon.send(SIGHUP)
        #expect(await eventually(timeout: .seconds(20)) { daemon.log.contains("SIGHUP: nothing reloaded") }, "\(daemon.log.suffix(2000))")
        #expect(daemon.log.contains("agent.script"), "the error names the key")

        let welcome = "Welcome to Globex, how can I help?"
        try shipped.replacingOccurrences(of: "greeting: \"Hello, how can I help you?\"", with: "greeting: \"\(welcome)\"")
            .write(to: script, atomically: true, encoding: .utf8)
        try "tenants:\n  - id: globex\n    dids: [\"100\"]\n".write(to: tenants, atomically: true, encoding: .utf8)
        daemon.send(SIGHUP)
        #expect(await eventually(timeout: .seconds(20)) { daemon.log.contains("tenants, agents and log level reloaded") }, "\(daemon.log.suffix(2000))")

        // The next call: the new owner of the number, the new greeting.
        let second = fake.placeCall(extension: "100")
        let after = try #require(await greeting(ofCallOn: second), "no greeting after the reload; \(daemon.log.suffix(2000))")
        #expect(after.tenant == "globex" && after.characters == welcome.count)

        // The first call went on under its own tenant to its end.
        fake.hangupCaller(first)
        fake.hangupCaller(second)
        #expect(await eventually(timeout: .seconds(20)) { events.events().filter { $0["type"] as? String == "call.ended" }.count == 2 })
        let ended = events.events().filter { $0["type"] as? String == "call.ended" }
        #expect(Set(ended.compactMap { $0["tenant_id"] as? String }) == ["acme", "globex"])
        #expect(ended.allSatisfy { ($0["data"] as? [String: Any])?["reason"] as? String == "caller_hangup" })
        await fake.stop()
    }
}
