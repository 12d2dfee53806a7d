import Domain
import Foundation
import ManagementAPI
import Testing
import TestSupport

@testable import VoiceGatewayd

/// `POST /v1/calls` over real HTTP, dialled through the fake Asterisk (which dials as Asterisk 22.10.1
/// does): answered, busy, unanswered, cancelled, refused.
@Suite("Outbound calls end to end", .serialized)
struct OriginateEndToEndTests {
    static let environment = [
        "VOICEGW_HTTP_AUTH_HS256_SECRET": OperatorAPIEndToEndTests.secret, "VOICEGW_CALLS_ALLOWED_DESTINATIONS": "+1555*",
        "VOICEGW_CALLS_OUTBOUND_FIRST_SPEAKER": "agent",
    ]

    static func token() async throws -> String {
        try await OperatorAPIEndToEndTests.token(scope: [.callsRead, .callsWrite])
    }

    /// Places a call to +15557654321 and returns its id, once the fake has the channel.
    static func place(_ harness: DaemonHarness, token: String, key: String? = nil) async throws -> String {
        #expect(try await eventually { try await harness.get("/ready").status == 200 })
        let placed = try await harness.post(
            "/v1/calls", token: token, json: #"{"to":"+15557654321","from":"+15550001111","timeout_s":20,"variables":{"order":"A-17"}}"#,
            headers: key.map { ["Idempotency-Key": $0] } ?? [:])
        #expect(placed.status == 202, "\(placed.body)")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(placed.body.utf8)) as? [String: Any])
        #expect(body["state"] as? String == "ringing")
        let id = try #require(body["call_id"] as? String)
        #expect(harness.fake.channels["voicegw-o-\(id)"] != nil)
        return id
    }

    static func endReason(_ harness: DaemonHarness, _ id: String) async -> String? {
        _ = await eventually { harness.events().contains { $0["type"] as? String == "call.ended" && $0["call_id"] as? String == id } }
        let ended = harness.events().last { $0["type"] as? String == "call.ended" && $0["call_id"] as? String == id }
        return (ended?["data"] as? [String: Any])?["reason"] as? String
    }

    @Test func anAnsweredCallTalksAndARetryGetsTheSameCall() async throws {
        let harness = try await DaemonHarness.start(environment: Self.environment)
        let token = try await Self.token()
        let id = try await Self.place(harness, token: token, key: "order-A-17")
        let request = try #require(harness.fake.requests.first { $0.method == "POST" && $0.path == "/ari/channels" })
        #expect(request.query["endpoint"] == "PJSIP/+15557654321@trunk")
        #expect(request.query["callerId"] == "+15550001111")
        #expect(request.query["timeout"] == "20")
        #expect(request.query["appArgs"] == "outbound,\(id)")
        let retried = try await harness.post("/v1/calls", token: token, json: #"{"to":"+15557654321","from":"+15550001111","timeout_s":20,"variables":{"order":"A-17"}}"#,
            headers: ["Idempotency-Key": "order-A-17"])
        #expect(retried.status == 202 && retried.body.contains(id))
        #expect(harness.fake.requests.filter { $0.method == "POST" && $0.path == "/ari/channels" }.count == 1, "a retry dialled again")

        harness.fake.ringOriginated("voicegw-o-\(id)")
        #expect(harness.fake.answerOriginated("voicegw-o-\(id)"))
        #expect(await eventually { harness.fake.rtpPeer(bridgedWith: "voicegw-o-\(id)").map { $0.received.count > 5 } ?? false }, "no opening")
        let call = try await harness.get("/v1/calls/\(id)", token: token)
        #expect(call.body.contains(#""direction":"outbound""#) && call.body.contains(#""state":"active""#), "\(call.body)")
        #expect(try await harness.post("/v1/calls/\(id)/hangup", token: token, json: "{}").status == 202)
        #expect(await Self.endReason(harness, id) == "gateway_hangup")
        #expect(await eventually { harness.fake.channels.isEmpty && harness.fake.bridges.isEmpty })
        try await harness.stop()
    }

    @Test func busyUnansweredAndCancelledCallsEndWithTheirReason() async throws {
        let harness = try await DaemonHarness.start(environment: Self.environment)
        let token = try await Self.token()
        let busy = try await Self.place(harness, token: token)
        harness.fake.busyOriginated("voicegw-o-\(busy)")
        #expect(await Self.endReason(harness, busy) == "busy")

        let silent = try await Self.place(harness, token: token)
        harness.fake.noAnswerOriginated("voicegw-o-\(silent)")
        #expect(await Self.endReason(harness, silent) == "no_answer")

        let cancelled = try await Self.place(harness, token: token)
        harness.fake.ringOriginated("voicegw-o-\(cancelled)")
        #expect(try await harness.post("/v1/calls/\(cancelled)/hangup", token: token, json: "{}").status == 202)
        #expect(await Self.endReason(harness, cancelled) == "canceled")
        #expect(harness.fake.requests.contains { $0.method == "DELETE" && $0.path == "/ari/channels/voicegw-o-\(cancelled)" })

        let listed = try await harness.get("/v1/calls?direction=outbound&state=ended", token: token)
        for id in [busy, silent, cancelled] { #expect(listed.body.contains(id)) }
        #expect(listed.body.contains(#""end_reason":"busy""#) && listed.body.contains(#""end_reason":"no_answer""#))
        #expect(await eventually { harness.fake.channels.isEmpty })
        try await harness.stop()
    }

    @Test func refusedDestinationsAndBadBodiesNeverReachAsterisk() async throws {
        let harness = try await DaemonHarness.start(environment: Self.environment)
        let token = try await Self.token()
        #expect(try await eventually { try await harness.get("/ready").status == 200 })
        let premium = try await harness.post("/v1/calls", token: token, json: #"{"to":"+19005550000"}"#)
        #expect(premium.status == 403 && premium.body.contains("destination_not_allowed"))
        #expect(try await harness.post("/v1/calls", token: token, json: #"{"to":"5557654321"}"#).status == 422)
        #expect(try await harness.post("/v1/calls", token: token, json: #"{"to":"+15557654321","ring":true}"#).status == 400)
        #expect(try await harness.post("/v1/calls", token: token, json: #"{"to":"+15557654321","timeout_s":1}"#).status == 422)
        let readOnly = try await OperatorAPIEndToEndTests.token(scope: [.callsRead])
        #expect(try await harness.post("/v1/calls", token: readOnly, json: #"{"to":"+15557654321"}"#).status == 403)
        #expect(!harness.fake.requests.contains { $0.method == "POST" && $0.path == "/ari/channels" })
        try await harness.stop()
    }
}
