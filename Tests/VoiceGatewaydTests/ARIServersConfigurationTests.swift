import Foundation
import Testing

@testable import VoiceGatewayd

/// `ari.servers`: several Asterisks, each a section; what is missing comes from `ari.*`; mistakes name the key.
@Suite("ari.servers configuration")
struct ARIServersConfigurationTests {
    func load(_ yaml: String, extra: [String: String] = [:], env: [String: String] = [:]) throws -> DaemonConfiguration {
        var environment = ["VOICEGW_AGENT_SCRIPT": ConfigurationTests.agentScript]
        environment.merge(env) { $1 }
        return try DaemonConfiguration.load(file: try CheckConfigCommandTests.file(yaml, extra: extra), environment: environment).0
    }

    @Test func serversAreReadInNameOrderWithTheirOwnOrTheSharedSettings() throws {
        let config = try load("""
            ari:
              username: shared
              password: shared-secret
              app: voicegw-a
              servers:
                pbx2: {url: "http://10.0.0.2:8088", password_file: "$DIR/pbx2.secret", app: voicegw-b}
                pbx1: {url: "https://pbx1.example:8089", username: vg1}
            """, extra: ["pbx2.secret": "from-file\n"])
        #expect(config.ari.servers == [
            .init(name: "pbx1", url: URL(string: "https://pbx1.example:8089")!, username: "vg1", password: "shared-secret", app: "voicegw-a"),
            .init(name: "pbx2", url: URL(string: "http://10.0.0.2:8088")!, username: "shared", password: "from-file", app: "voicegw-b"),
        ])
        #expect(try load("ari:\n  servers: {}\n").ari.servers.isEmpty)
    }

    @Test func mistakesNameTheKey() throws {
        #expect(throws: ConfigError(key: "ari.servers.pbx1.uri", message: "a server is a section of app, password, password_file, url, username")) {
            try load("ari:\n  servers:\n    pbx1: {uri: \"http://h:8088\"}\n")
        }
        #expect(throws: ConfigError(key: "ari.servers.pbx1.url", message: "missing")) { try load("ari:\n  servers:\n    pbx1: {app: x}\n") }
        #expect(throws: ConfigError.self) { try load("ari:\n  servers:\n    pbx1: {url: \"ftp://h\"}\n") }
        #expect(throws: ConfigError(key: "ari.servers.PBX_1", message: "a server's name is 1-32 of a-z, 0-9 and '-', not starting with voicegw")) {
            try load("ari:\n  servers:\n    PBX_1: {url: \"http://h:8088\"}\n")
        }
        #expect(throws: ConfigError(key: "ari.servers.pbx1", message: "a server is a section of app, password, password_file, url, username")) {
            try load("ari:\n  servers:\n    pbx1: http://h:8088\n")
        }
        let two = "ari:\n  servers:\n    a: {url: \"http://a:8088\"}\n    b: {url: \"http://b:8088\"}\n"
        #expect(throws: ConfigError(key: "media.transport", message: "websocket media needs a single Asterisk; with ari.servers use rtp or audiosocket")) {
            try load(two, env: ["VOICEGW_MEDIA_TRANSPORT": "websocket"])
        }
        #expect(try load(two).ari.servers.map(\.name) == ["a", "b"])
    }

    @Test func theInstanceIdIsCheckedBecauseAsteriskIdsCarryIt() throws {
        #expect(throws: ConfigError(key: "instance_id", message: "'node a' must be 1-64 letters, digits, '.', '_' or '-'")) {
            try load("instance_id: node a\n")
        }
        #expect(try load("instance_id: node-a.example\n").instanceID == "node-a.example")
    }
}
