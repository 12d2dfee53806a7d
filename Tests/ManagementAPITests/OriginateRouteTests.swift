import Application
import Domain
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import ManagementAPI
import NIOCore
import Testing

/// `POST /v1/calls` through Hummingbird's test client: what reaches the call service, and every refusal.
@Suite("Operator API: placing a call")
struct OriginateRouteTests {
    static func post(_ body: String, token: String?, key: String? = nil, commands: any CallCommands = RecordedCommands()) async throws
        -> OperatorAPITests.Answer
    {
        let router = try await OperatorAPITests.router(commands: commands)
        var fields = HTTPFields()
        fields[.contentType] = "application/json"
        if let token { fields[.authorization] = "Bearer \(token)" }
        if let key { fields[OriginateRoute.idempotencyKey] = key }
        let headers = fields
        return try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/v1/calls", method: .post, headers: headers, body: ByteBuffer(string: body)) { response in
                let json = (try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [String: Any] ?? [:]
                return OperatorAPITests.Answer(status: response.status, json: json, headers: response.headers)
            }
        }
    }

    static func writer() async throws -> String {
        try await OperatorAPITests.hs256(OperatorAPITests.claims(scope: "calls:read calls:write"))
    }

    @Test func aValidRequestReachesTheServiceForTheTokensTenant() async throws {
        let commands = RecordedCommands()
        let answer = try await Self.post(#"{"to":"+15557654321","timeout_s":30}"#, token: try await Self.writer(), key: "k-1", commands: commands)
        #expect(answer.status == .accepted)
        #expect(answer.json["call_id"] as? String == "out-1" && answer.json["state"] as? String == "ringing")
        #expect(answer.headers[OriginateRoute.replayed] == nil)
        #expect(commands.seen.withLock { $0 } == ["acme originate +15557654321 k-1"])
        let replay = try await Self.post(#"{"to":"+15557654321"}"#, token: try await Self.writer(), key: "seen-before")
        #expect(replay.status == .accepted && replay.headers[OriginateRoute.replayed] == "true")
    }

    @Test func badBodiesKeysAndScopesAreRefusedBeforeTheService() async throws {
        let token = try await Self.writer()
        for (body, status, code) in [
            (#"{"to":"5557654321"}"#, HTTPResponse.Status.unprocessableContent, "invalid_field"),
            (#"{"to":"+1 555 765 4321"}"#, .unprocessableContent, "invalid_field"),
            (#"{}"#, .unprocessableContent, "invalid_field"),
            (#"{"to":"+15557654321","timeout_s":null}"#, .unprocessableContent, "invalid_field"),
            (#"{"to":"+15557654321","timeout_s":500}"#, .unprocessableContent, "invalid_field"),
            (#"{"to":"+15557654321","language":"english please"}"#, .unprocessableContent, "invalid_field"),
            (#"{"to":"+15557654321","variables":{"9lives":"x"}}"#, .unprocessableContent, "invalid_field"),
            (#"{"to":"+15557654321","variables":{"n":1}}"#, .unprocessableContent, "invalid_field"),
            (#"{"to":"+15557654321","ring_forever":true}"#, .badRequest, "unknown_field"),
            (#"["+15557654321"]"#, .badRequest, "invalid_json"),
        ] {
            let commands = RecordedCommands()
            let answer = try await Self.post(body, token: token, commands: commands)
            #expect(answer.status == status && answer.code == code, "\(body): \(answer.status) \(answer.json)")
            #expect(commands.seen.withLock { $0 }.isEmpty)
        }
        let badKey = try await Self.post(#"{"to":"+15557654321"}"#, token: token, key: "spaces are not allowed")
        #expect(badKey.status == .unprocessableContent && badKey.code == "invalid_field")
        let readOnly = try await Self.post(#"{"to":"+15557654321"}"#, token: try await OperatorAPITests.hs256(OperatorAPITests.claims()))
        #expect(readOnly.status == .forbidden)
        #expect(try await Self.post(#"{"to":"+15557654321"}"#, token: nil).status == .unauthorized)
    }

    @Test(arguments: [
        (OriginateError.destinationNotAllowed(try! PhoneNumber("+19005550000")), HTTPResponse.Status.forbidden, "destination_not_allowed"),
        (.tenantLimit(2), .tooManyRequests, "tenant_call_limit"), (.unavailable("capacity"), .serviceUnavailable, "calls_unavailable"),
        (.idempotencyConflict, .conflict, "idempotency_key_reused"),
        (.telephony(ProviderError(.network, provider: "ari", "connection refused")), .serviceUnavailable, "telephony_unavailable"),
        (.telephony(ProviderError(.server, provider: "ari", "500 Allocation failed")), .badGateway, "telephony_error"),
    ] as [(OriginateError, HTTPResponse.Status, String)])
    func serviceRefusalsMapToStatusesWithoutInternals(error: OriginateError, status: HTTPResponse.Status, code: String) async throws {
        let answer = try await Self.post(#"{"to":"+15557654321"}"#, token: try await Self.writer(), commands: RefusingCommands(error: error))
        #expect(answer.status == status && answer.code == code)
        #expect(!answer.message.contains("Allocation") && !answer.message.contains("ari:") && !answer.message.contains("connection"))
    }
}
