import Foundation
import Testing

@testable import VoiceGatewayd

/// Nothing claimed that isn't so: every key the embedded default (and so `etc/voicegatewayd.yaml`, the
/// README and `--help`) offers is read by the configuration; and a value that is read and then not used
/// shows up in the behaviour tests of that key.
@Suite("Configuration keys are all read")
struct ConfigKeysTests {
    /// Everything switched on: Redis, Kafka and every vendor in the chains (a vendor's keys are read only
    /// when it is in a chain, Redis's only with the Redis backend...), with the keys each one requires.
    static let everything = [
        "VOICEGW_CALL_STATE_BACKEND": "redis", "VOICEGW_EVENTS_KAFKA_BROKERS": "127.0.0.1:9092",
        "VOICEGW_STT_PROVIDERS": "pocketsphinx,openai,google,azure,transcribe,deepgram",
        "VOICEGW_TTS_PROVIDERS": "espeak,openai,google,azure,polly,elevenlabs",
        "VOICEGW_STT_OPENAI_API_KEY": "k", "VOICEGW_STT_GOOGLE_API_KEY": "k", "VOICEGW_STT_AZURE_REGION": "eastus",
        "VOICEGW_STT_AZURE_API_KEY": "k", "VOICEGW_STT_TRANSCRIBE_REGION": "us-east-1", "VOICEGW_STT_TRANSCRIBE_ACCESS_KEY_ID": "k",
        "VOICEGW_STT_TRANSCRIBE_SECRET_ACCESS_KEY": "k", "VOICEGW_STT_DEEPGRAM_API_KEY": "k", "VOICEGW_TTS_OPENAI_API_KEY": "k",
        "VOICEGW_TTS_GOOGLE_API_KEY": "k", "VOICEGW_TTS_AZURE_REGION": "eastus", "VOICEGW_TTS_AZURE_API_KEY": "k",
        "VOICEGW_TTS_POLLY_REGION": "us-east-1", "VOICEGW_TTS_POLLY_ACCESS_KEY_ID": "k", "VOICEGW_TTS_POLLY_SECRET_ACCESS_KEY": "k",
        "VOICEGW_TTS_ELEVENLABS_API_KEY": "k", "VOICEGW_TTS_ELEVENLABS_VOICE": "v", "VOICEGW_AGENT_KIND": "openai",
    ]

    /// The keys read by the configuration loaded from the embedded default with `environment` on top.
    func keysRead(_ environment: [String: String]) throws -> (all: Set<String>, read: ReadKeys) {
        var tree = try ConfigTree.embedded()
        (tree, _) = tree.overlaid(environment: environment.merging(["VOICEGW_AGENT_SCRIPT": ConfigurationTests.agentScript]) { $1 })
        let reader = ConfigReader(tree: tree)
        _ = try DaemonConfiguration(reader)
        return (Set(tree.values.keys), reader.read)
    }

    @Test func everyKeyOfTheEmbeddedDefaultIsRead() throws {
        let plain = try keysRead([:])
        let full = try keysRead(Self.everything)
        let orchestrated = try keysRead(["VOICEGW_AGENT_KIND": "orchestrator"])  // the other agent kind
        let unread = plain.all.filter { !plain.read.contains($0) && !full.read.contains($0) && !orchestrated.read.contains($0) }.sorted()
        #expect(unread.isEmpty, "keys parsed from the file but never read: \(unread)")
    }

    @Test func theCheckNoticesAKeyNobodyReads() throws {
        let tree = try ConfigTree.embedded()
        let reader = ConfigReader(tree: tree)
        _ = reader.value("ari.url")
        #expect(reader.read.contains("ari.url"))
        #expect(!reader.read.contains("ari.app"), "only what was read counts")
        _ = reader.values(below: "events.kafka.properties.")
        #expect(reader.read.contains("events.kafka.properties.sasl.mechanism"), "a map is read as a whole")
    }

    @Test func drainSettingsAreReadAndValidated() throws {
        let environment = ["VOICEGW_AGENT_SCRIPT": ConfigurationTests.agentScript]
        let (config, _) = try DaemonConfiguration.load(file: nil, environment: environment.merging([
            "VOICEGW_SHUTDOWN_GRACE_MS": "2500", "VOICEGW_SHUTDOWN_GOODBYE": "Bye now.",
        ]) { $1 })
        #expect(config.shutdownGrace == .milliseconds(2500))
        #expect(config.shutdownGoodbye == "Bye now.")
        #expect(throws: ConfigError.self) {
            try DaemonConfiguration.load(file: nil, environment: environment.merging(["VOICEGW_SHUTDOWN_GRACE_MS": "-1"]) { $1 })
        }
    }
}
