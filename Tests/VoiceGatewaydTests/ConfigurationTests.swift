import ArgumentParser
import Foundation
import Testing

@testable import VoiceGatewayd

@Suite("Configuration")
struct ConfigurationTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let agentScript = root.appendingPathComponent("etc/agent.yaml").path

    func load(_ env: [String: String], file: String? = nil) throws(ConfigError) -> DaemonConfiguration {
        var environment = ["VOICEGW_AGENT_SCRIPT": Self.agentScript]
        environment.merge(env) { $1 }
        return try DaemonConfiguration.load(file: file, environment: environment).0
    }

    @Test func embeddedDefaultIsTheShippedFile() throws {
        let shipped = try String(contentsOf: Self.root.appendingPathComponent("etc/voicegatewayd.yaml"), encoding: .utf8)
        #expect(EmbeddedDefaults.configuration.trimmingCharacters(in: .whitespacesAndNewlines)
            == shipped.trimmingCharacters(in: .whitespacesAndNewlines), "run `make embed` after editing etc/voicegatewayd.yaml")
    }

    @Test func defaultsMatchTheDesign() throws {
        let config = try load([:])
        #expect(config.ari.url.absoluteString == "http://127.0.0.1:8088")
        #expect(config.ari.app == "voicegw")
        #expect(config.rtp.host == "127.0.0.1")
        #expect(config.rtp.portRange == 40000...40999)
        #expect(config.httpHost == "127.0.0.1")
        #expect(config.httpPort == 8080)
        #expect(config.eventsFile == "var/events.jsonl")
        #expect(config.conversation.endSilence == .milliseconds(600))
        #expect(config.conversation.bargeInMinSpeech == .milliseconds(200) && config.conversation.echoGuard)
        #expect(config.transport == .rtp)
        #expect(config.rtp.socket == .shared)
    }

    @Test func environmentOverridesEveryKey() throws {
        let config = try load([
            "VOICEGW_HTTP_PORT": "9090", "VOICEGW_MEDIA_RTP_PORT_MIN": "20000", "VOICEGW_MEDIA_RTP_PORT_MAX": "20010",
            "VOICEGW_ARI_URL": "http://10.0.0.5:8088", "VOICEGW_CONVERSATION_BARGE_IN": "false",
            "VOICEGW_INSTANCE_ID": "gw-1", "VOICEGW_MEDIA_RTP_SOCKET": "per_call",
            "VOICEGW_CONVERSATION_BARGE_IN_MIN_SPEECH_MS": "320", "VOICEGW_CONVERSATION_ECHO_GUARD": "false",
        ])
        #expect(config.conversation.bargeInMinSpeech == .milliseconds(320))
        #expect(!config.conversation.echoGuard)
        #expect(config.rtp.socket == .perCall)
        #expect(config.httpPort == 9090)
        #expect(config.rtp.portRange == 20000...20010)
        #expect(config.ari.url.host == "10.0.0.5")
        #expect(!config.conversation.bargeIn)
        #expect(config.instanceID == "gw-1")
        #expect(ConfigTree.environmentName(for: "media.rtp.port_min") == "VOICEGW_MEDIA_RTP_PORT_MIN")
    }

    @Test(arguments: [
        ("VOICEGW_HTTP_PORT", "eighty", "http.port"),
        ("VOICEGW_HTTP_PORT", "70000", "http.port"),
        ("VOICEGW_ARI_URL", "ftp://x", "ari.url"),
        ("VOICEGW_ARI_APP", "", "ari.app"),
        ("VOICEGW_MEDIA_RTP_PORT_MAX", "1500", "media.rtp.port_max"),
        ("VOICEGW_CONVERSATION_BARGE_IN", "maybe", "conversation.barge_in"),
        ("VOICEGW_CONVERSATION_BARGE_IN_MIN_SPEECH_MS", "20", "conversation.barge_in_min_speech_ms"),
        ("VOICEGW_CONVERSATION_ECHO_GUARD", "perhaps", "conversation.echo_guard"),
        ("VOICEGW_LOG_LEVEL", "loud", "log.level"),
        ("VOICEGW_AGENT_SCRIPT", "/nonexistent/agent.yaml", "agent.script"),
        ("VOICEGW_MEDIA_TRANSPORT", "sip", "media.transport"),
        ("VOICEGW_ARI_PASSWORD_FILE", "/nonexistent/secret", "ari.password_file"),
        ("VOICEGW_CALLS_REATTACH", "sometimes", "calls.reattach"),
        ("VOICEGW_CALLS_RECONCILE_INTERVAL_S", "0", "calls.reconcile_interval_s"),
        ("VOICEGW_CALLS_ORPHAN_GRACE_S", "-1", "calls.orphan_grace_s"),
        ("VOICEGW_CALLS_DIAL_TEMPLATE", "PJSIP/trunk", "calls.dial_template"),
        ("VOICEGW_CALLS_OUTBOUND_FIRST_SPEAKER", "nobody", "calls.outbound.first_speaker"),
        ("VOICEGW_CALLS_OUTBOUND_CALLEE_WAIT_MS", "60000", "calls.outbound.callee_wait_ms"),
        ("VOICEGW_CALLS_OUTBOUND_MACHINE_DETECTION", "sometimes", "calls.outbound.machine_detection"),
        ("VOICEGW_CONVERSATION_RESUME", "", "conversation.resume"),
        ("VOICEGW_MEDIA_AUDIOSOCKET_DIALPLAN_CALLS", "yes please", "media.audiosocket.dialplan_calls"),
        ("VOICEGW_MEDIA_RTP_SOCKET", "one_per_loop", "media.rtp.socket"),
        ("VOICEGW_MEDIA_THREADS_NICE", "-30", "media.threads.nice"),
        ("VOICEGW_MEDIA_THREADS_COUNT", "many", "media.threads.count"),
        ("VOICEGW_MEDIA_THREADS_REALTIME_PRIORITY", "100", "media.threads.realtime_priority"),
        ("VOICEGW_STT_POCKETSPHINX_MIN_CONFIDENCE", "1.5", "stt.pocketsphinx.min_confidence"),
        ("VOICEGW_STT_POCKETSPHINX_MIN_CONFIDENCE", "high", "stt.pocketsphinx.min_confidence"),
        ("VOICEGW_STT_POCKETSPHINX_NOISE_FLOOR", "-1", "stt.pocketsphinx.noise_floor"),
        ("VOICEGW_STT_STREAMING", "always", "stt.streaming"),
        ("VOICEGW_STT_ENDPOINTING", "both", "stt.endpointing"),
        ("VOICEGW_STT_EARLY_START_MS", "-5", "stt.early_start_ms"),
        ("VOICEGW_STT_FINAL_WAIT_MS", "0", "stt.final_wait_ms"),
        ("VOICEGW_HTTP_AUTH_HS256_SECRET", "too-short", "http.auth.hs256_secret"),
        ("VOICEGW_HTTP_AUTH_PUBLIC_KEYS_FILE", "/nonexistent/keys.pem", "http.auth.public_keys_file"),
    ])
    func badValuesNameTheKey(variable: String, value: String, key: String) {
        do {
            _ = try load([variable: value])
            Issue.record("\(variable)=\(value) should be refused")
        } catch {
            #expect(error.key == key)
            #expect(error.description.contains(key))
        }
    }

    @Test func reconciliationAndDialplanSettings() throws {
        let defaults = try load([:])
        #expect(defaults.reattachCalls && defaults.reconcileInterval == .seconds(30) && defaults.orphanGrace == .seconds(30))
        #expect(defaults.conversation.resumeLine == "Sorry, where were we?")
        #expect(!defaults.media.dialplanCalls && defaults.media.dialplanNumber.isEmpty)
        let changed = try load([
            "VOICEGW_CALLS_REATTACH": "false", "VOICEGW_CALLS_RECONCILE_INTERVAL_S": "5", "VOICEGW_CALLS_ORPHAN_GRACE_S": "0",
            "VOICEGW_MEDIA_AUDIOSOCKET_DIALPLAN_CALLS": "true", "VOICEGW_MEDIA_AUDIOSOCKET_DIALPLAN_NUMBER": "300",
        ])
        #expect(!changed.reattachCalls && changed.reconcileInterval == .seconds(5) && changed.orphanGrace == .zero)
        #expect(changed.media.dialplanCalls && changed.media.dialplanNumber == "300")
    }

    @Test func mediaThreadSettings() throws {
        let defaults = try load([:])
        #expect(defaults.media.threads == 0 && defaults.media.threadNice == -10 && defaults.media.threadRealtimePriority == 0)
        let changed = try load(["VOICEGW_MEDIA_THREADS_COUNT": "4", "VOICEGW_MEDIA_THREADS_NICE": "0", "VOICEGW_MEDIA_THREADS_REALTIME_PRIORITY": "20"])
        #expect(changed.media.threads == 4 && changed.media.threadNice == 0 && changed.media.threadRealtimePriority == 20)
    }

    @Test func fileOverlayRejectsUnknownKeys() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vgw-config-\(getpid())-\(Int.random(in: 0..<1_000_000))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = dir.appendingPathComponent("good.yaml")
        try "http:\n  port: 8181\nari:\n  password_file: \(dir.path)/secret\n".write(to: good, atomically: true, encoding: .utf8)
        try "s3cret\n".write(to: dir.appendingPathComponent("secret"), atomically: true, encoding: .utf8)
        let config = try load([:], file: good.path)
        #expect(config.httpPort == 8181)
        #expect(config.ari.password == "s3cret")

        let typo = dir.appendingPathComponent("typo.yaml")
        try "http:\n  prot: 8181\n".write(to: typo, atomically: true, encoding: .utf8)
        #expect(throws: ConfigError(key: "http.prot", message: "unknown key")) { try load([:], file: typo.path) }
        #expect(throws: ConfigError.self) { try load([:], file: dir.appendingPathComponent("missing.yaml").path) }
    }

    @Test func unknownVariablesAreReported() throws {
        let (_, warnings) = try DaemonConfiguration.load(
            file: nil, environment: ["VOICEGW_AGENT_SCRIPT": Self.agentScript, "VOICEGW_HTTP_PROT": "1"])
        #expect(warnings == ["ignoring unknown environment variable VOICEGW_HTTP_PROT"])
    }
}

@Suite("check-config")
struct CheckConfigCommandTests {
    /// A configuration file overlaying `yaml`, in a fresh directory.
    static func file(_ yaml: String, extra: [String: String] = [:]) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("check-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, text) in extra { try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        let path = directory.appendingPathComponent("config.yaml").path
        try yaml.replacingOccurrences(of: "$DIR", with: directory.path).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func keyFilesThatCannotVerifyTokensFailTheCheck() async throws {
        let bad = try Self.file("http:\n  auth:\n    public_keys_file: $DIR/keys.pem\n", extra: ["keys.pem": "not a key\n"])
        await #expect(throws: ExitCode(78)) { try await CheckConfigCommand.parse(["--config", bad]).run() }
        let pem = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/jwt/ec-public.pem"), encoding: .utf8)
        let good = try Self.file("http:\n  auth:\n    public_keys_file: $DIR/keys.pem\n", extra: ["keys.pem": pem])
        try await CheckConfigCommand.parse(["--config", good]).run()
    }
}
