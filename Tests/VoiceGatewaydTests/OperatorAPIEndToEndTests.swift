import Domain
import Foundation
import ManagementAPI
import Testing
import TestSupport

@testable import VoiceGatewayd

/// The daemon's `/v1` API over real HTTP, on a call placed through the fake Asterisk.
@Suite("Operator API end to end", .serialized)
struct OperatorAPIEndToEndTests {
    static let secret = "end-to-end-secret-of-at-least-32-bytes"

    static func token(tenant: String = "default", scope: [APIScope] = [.callsRead]) async throws -> String {
        try await APITokenMinter.hs256(secret: secret, tenant: TenantID(tenant), scopes: scope, subject: "test", lifetime: .seconds(300))
    }

    @Test func aLiveCallIsReadWithItsConversationByItsTenantOnly() async throws {
        let harness = try await DaemonHarness.start(environment: ["VOICEGW_HTTP_AUTH_HS256_SECRET": Self.secret])
        #expect(try await eventually { try await harness.get("/ready").status == 200 })
        let channel = harness.fake.placeCall()
        #expect(await eventually { harness.fake.rtpPeer(bridgedWith: channel).map { $0.received.count > 5 } ?? false }, "no greeting")
        let started = try #require(harness.events().first { $0["type"] as? String == "call.started" })
        let callID = try #require(started["call_id"] as? String)

        #expect(try await harness.get("/v1/calls/\(callID)").status == 401)
        #expect(try await harness.get("/v1/calls/\(callID)", token: try await Self.token(tenant: "other")).status == 404)
        #expect(try await harness.get("/v1/calls/\(callID)", token: try await Self.token(scope: [.callsWrite])).status == 403)
        let token = try await Self.token()
        #expect(try await eventually { (try await harness.get("/v1/calls/\(callID)", token: token).body).contains(#""speaker":"agent""#) },
                "the greeting is not in the call's history")
        let answer = try await harness.get("/v1/calls/\(callID)", token: token)
        #expect(answer.status == 200)
        let body = try #require(try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])
        #expect(body["call_id"] as? String == callID)
        #expect(body["state"] as? String == "active")
        #expect(body["direction"] as? String == "inbound")
        let transcript = try await harness.get("/v1/calls/\(callID)/transcript", token: token)
        #expect(transcript.status == 200 && transcript.body.contains(#""lines":[{"#))

        harness.fake.hangupCaller(channel)
        #expect(try await eventually { (try await harness.get("/v1/calls/\(callID)", token: token).body).contains(#""state":"ended""#) })
        try await harness.stop()
    }

    @Test func anOperatorSaysALineAndHangsUp() async throws {
        let harness = try await DaemonHarness.start(environment: ["VOICEGW_HTTP_AUTH_HS256_SECRET": Self.secret])
        #expect(try await eventually { try await harness.get("/ready").status == 200 })
        let channel = harness.fake.placeCall()
        #expect(await eventually { harness.fake.rtpPeer(bridgedWith: channel).map { $0.received.count > 5 } ?? false }, "no greeting")
        let callID = try #require(harness.events().first { $0["type"] as? String == "call.started" }?["call_id"] as? String)
        let token = try await Self.token(scope: [.callsRead, .callsWrite])
        let said = try await harness.post("/v1/calls/\(callID)/say", token: token, json: #"{"text":"A supervisor is listening.","interrupt":true}"#)
        #expect(said.status == 202)
        #expect(try await eventually { (try await harness.get("/v1/calls/\(callID)", token: token).body).contains("A supervisor is listening.") },
                "the operator's line is not in the history")
        #expect(try await harness.post("/v1/calls/\(callID)/dtmf", token: token, json: #"{"digits":"5"}"#).status == 202)
        #expect(harness.fake.requests.contains { $0.path == "/ari/channels/\(channel)/dtmf" })
        #expect(try await harness.post("/v1/calls/\(callID)/hangup", token: token, json: "{}").status == 202)
        #expect(await eventually { harness.events().contains { $0["type"] as? String == "call.ended" } })
        let ended = harness.events().last { $0["type"] as? String == "call.ended" }
        #expect((ended?["data"] as? [String: Any])?["reason"] as? String == "gateway_hangup")
        #expect(await eventually { harness.fake.channels.isEmpty && harness.fake.bridges.isEmpty })
        #expect(try await harness.post("/v1/calls/\(callID)/hangup", token: token, json: "{}").status == 409)
        try await harness.stop()
    }

    @Test func aReloadReplacesTheKeysAndABadOneKeepsThem() async throws {
        let harness = try await DaemonHarness.start(environment: ["VOICEGW_HTTP_AUTH_HS256_SECRET": Self.secret])
        let old = try await Self.token()
        #expect(try await harness.get("/v1/calls/nope", token: old).status == 404)
        let rotated = "a-rotated-secret-of-at-least-thirty-two-bytes"
        let (fresh, _) = try DaemonConfiguration.load(file: nil, environment: ["VOICEGW_HTTP_AUTH_HS256_SECRET": rotated])
        try await harness.daemon.reload(from: fresh)
        #expect(try await harness.get("/v1/calls/nope", token: old).status == 401, "the old secret still works")
        let new = try await APITokenMinter.hs256(secret: rotated, tenant: "default", scopes: [.callsRead], subject: "t", lifetime: .seconds(60))
        #expect(try await harness.get("/v1/calls/nope", token: new).status == 404)
        // A key file that cannot be read as keys: refused, naming the key; the rotated secret stays.
        let bad = harness.directory.appendingPathComponent("bad.pem")
        try "not a key".write(to: bad, atomically: true, encoding: .utf8)
        let (broken, _) = try DaemonConfiguration.load(file: nil, environment: ["VOICEGW_HTTP_AUTH_PUBLIC_KEYS_FILE": bad.path])
        await #expect(throws: ConfigError.self) { try await harness.daemon.reload(from: broken) }
        #expect(try await harness.get("/v1/calls/nope", token: new).status == 404)
        try await harness.stop()
    }

    @Test func withoutAKeyTheAPIIsClosed() async throws {
        let harness = try await DaemonHarness.start()
        #expect(try await eventually { try await harness.get("/ready").status == 200 })
        let answer = try await harness.get("/v1/calls/anything", token: try await Self.token())
        #expect(answer.status == 503)
        #expect(answer.body.contains("auth_not_configured"))
        try await harness.stop()
    }
}
