import Foundation
import Testing

@testable import VoiceGatewayd

@Suite("Media configuration")
struct MediaConfigurationTests {
    func load(_ env: [String: String]) throws(ConfigError) -> DaemonConfiguration {
        var environment = ["VOICEGW_AGENT_SCRIPT": ConfigurationTests.agentScript]
        environment.merge(env) { $1 }
        return try DaemonConfiguration.load(file: nil, environment: environment).0
    }

    @Test func defaults() throws {
        let config = try load([:])
        #expect(config.rtp.codec == .ulaw)
        #expect(config.rtp.outboundCodec == .ulaw)
        #expect(config.media.audioSocketHost == "127.0.0.1")
        #expect(config.media.audioSocketPort == 9092)
        #expect(config.media.audioSocketAdvertised == nil)
        #expect(config.media.webSocketURL == "ws://127.0.0.1:8088", "derived from ari.url")
        #expect(config.media.jitterDepth == .milliseconds(60))
    }

    @Test(arguments: ["rtp", "audiosocket", "websocket"])
    func everyTransportIsAccepted(_ transport: String) throws {
        #expect(try load(["VOICEGW_MEDIA_TRANSPORT": transport]).transport.rawValue == transport)
    }

    @Test func overrides() throws {
        let config = try load([
            "VOICEGW_MEDIA_RTP_CODEC": "slin16", "VOICEGW_MEDIA_AUDIOSOCKET_PORT": "9500", "VOICEGW_ARI_URL": "https://pbx.example:8089",
            "VOICEGW_MEDIA_JITTER_DEPTH_MS": "100",
        ])
        #expect(config.rtp.codec == .slin16)
        #expect(config.media.audioSocketPort == 9500)
        #expect(config.media.webSocketURL == "wss://pbx.example:8089")
        #expect(config.media.jitterDepth == .milliseconds(100))
    }

    @Test(arguments: [
        ("VOICEGW_MEDIA_RTP_CODEC", "g729", "media.rtp.codec"),
        ("VOICEGW_MEDIA_RTP_OUTBOUND_CODEC", "slin16", "media.rtp.outbound_codec"),
        ("VOICEGW_MEDIA_AUDIOSOCKET_PORT", "0", "media.audiosocket.port"),
        ("VOICEGW_MEDIA_WEBSOCKET_URL", "http://x:8088", "media.websocket.url"),
        ("VOICEGW_MEDIA_JITTER_DEPTH_MS", "5000", "media.jitter.depth_ms"),
    ])
    func badValuesNameTheKey(variable: String, value: String, key: String) {
        do {
            _ = try load([variable: value])
            Issue.record("\(variable)=\(value) should be refused")
        } catch {
            #expect(error.key == key)
        }
    }
}
