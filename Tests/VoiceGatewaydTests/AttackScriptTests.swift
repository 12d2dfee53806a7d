import AsyncHTTPClient
import Domain
import Foundation
import ManagementAPI
import NIOCore
import NIOHTTP1
import Testing
import TestSupport

@testable import VoiceGatewayd

/// The attack script: every way in that must be refused, against the running daemon over real HTTP
/// (HS256 secret and an RSA public key configured, a live call of tenant `default`). Each attempt gets
/// its status, the error envelope with a request id, and nothing internal or secret in the body.
@Suite("Attack script", .serialized)
struct AttackScriptTests {
    static let secret = OperatorAPIEndToEndTests.secret

    struct Attempt {
        let name: String
        let method: HTTPMethod
        let path: String
        let token: String?
        let body: String?
        let expected: UInt
        let code: String
    }

    static func send(_ harness: DaemonHarness, _ method: HTTPMethod, _ path: String, token: String?, body: String?) async throws
        -> (status: UInt, body: String, headers: HTTPHeaders)
    {
        var request = HTTPClientRequest(url: harness.baseURL + path)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let collected = try await response.body.collect(upTo: 1 << 20)
        return (response.status.code, String(buffer: collected), response.headers)
    }

    static func base64URL(_ text: String) -> String {
        Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    @Test func everyAttackIsRefusedAndLeaksNothing() async throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/jwt")
        let publicKey = try String(contentsOf: fixtures.appendingPathComponent("rsa-public.pem"), encoding: .utf8)
        let harness = try await DaemonHarness.start(environment: [
            "VOICEGW_HTTP_AUTH_HS256_SECRET": Self.secret, "VOICEGW_HTTP_AUTH_PUBLIC_KEYS_FILE": fixtures.appendingPathComponent("rsa-public.pem").path,
            "VOICEGW_CALLS_ALLOWED_DESTINATIONS": "+1555*", "VOICEGW_HTTP_RATE_LIMIT_REQUESTS_PER_S": "0.001", "VOICEGW_HTTP_RATE_LIMIT_BURST": "20",
        ])
        #expect(try await eventually { try await harness.get("/ready").status == 200 })
        let channel = harness.fake.placeCall()
        #expect(await eventually { harness.events().contains { $0["type"] as? String == "call.started" } })
        let callID = try #require(harness.events().first { $0["type"] as? String == "call.started" }?["call_id"] as? String)

        func token(_ tenant: String = "default", scopes: [APIScope] = [.callsRead, .callsWrite], secret: String = Self.secret, lifetime: Duration = .seconds(300))
            async throws -> String
        {
            try await APITokenMinter.hs256(secret: secret, tenant: TenantID(tenant), scopes: scopes, subject: "attacker", lifetime: lifetime)
        }
        let valid = try await token()
        let claims = #"{"sub":"attacker","tenant_id":"default","scope":"calls:read calls:write","exp":\#(Int(Date().timeIntervalSince1970) + 300)}"#
        let none = Self.base64URL(#"{"alg":"none","typ":"JWT"}"#) + "." + Self.base64URL(claims) + "."
        let attempts = [
            Attempt(name: "no token", method: .GET, path: "/v1/calls/\(callID)", token: nil, body: nil, expected: 401, code: "unauthorized"),
            Attempt(name: "bad signature", method: .GET, path: "/v1/calls/\(callID)",
                    token: try await token(secret: "someone-elses-secret-of-32-bytes-or-more"), body: nil, expected: 401, code: "unauthorized"),
            Attempt(name: "expired", method: .GET, path: "/v1/calls/\(callID)", token: try await token(lifetime: .seconds(-120)), body: nil,
                    expected: 401, code: "unauthorized"),
            Attempt(name: "alg none", method: .GET, path: "/v1/calls/\(callID)", token: none, body: nil, expected: 401, code: "unauthorized"),
            Attempt(name: "HS/RS confusion", method: .GET, path: "/v1/calls/\(callID)", token: try await token(secret: publicKey), body: nil,
                    expected: 401, code: "unauthorized"),
            Attempt(name: "other tenant", method: .GET, path: "/v1/calls/\(callID)", token: try await token("intruder"), body: nil,
                    expected: 404, code: "not_found"),
            Attempt(name: "other tenant's hangup", method: .POST, path: "/v1/calls/\(callID)/hangup", token: try await token("intruder"), body: "{}",
                    expected: 404, code: "not_found"),
            Attempt(name: "missing scope", method: .POST, path: "/v1/calls/\(callID)/hangup", token: try await token(scopes: [.callsRead]), body: "{}",
                    expected: 403, code: "forbidden"),
            Attempt(name: "oversized body", method: .POST, path: "/v1/calls/\(callID)/say", token: valid,
                    body: #"{"text":"\#(String(repeating: "a", count: 17 * 1024))"}"#, expected: 413, code: "body_too_large"),
            Attempt(name: "malformed JSON", method: .POST, path: "/v1/calls/\(callID)/say", token: valid, body: #"{"text": "hi""#,
                    expected: 400, code: "invalid_json"),
            Attempt(name: "unknown field", method: .POST, path: "/v1/calls/\(callID)/say", token: valid, body: #"{"text":"hi","as_admin":true}"#,
                    expected: 400, code: "unknown_field"),
            Attempt(name: "disallowed destination (originate)", method: .POST, path: "/v1/calls", token: valid, body: #"{"to":"+19005550000"}"#,
                    expected: 403, code: "destination_not_allowed"),
            Attempt(name: "disallowed destination (transfer)", method: .POST, path: "/v1/calls/\(callID)/transfer", token: valid,
                    body: #"{"target":"+882345678901"}"#, expected: 403, code: "destination_not_allowed"),
        ]
        var table: [String] = []
        for attempt in attempts {
            let answer = try await Self.send(harness, attempt.method, attempt.path, token: attempt.token, body: attempt.body)
            #expect(answer.status == attempt.expected, "\(attempt.name): \(answer.status) \(answer.body)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any], "\(attempt.name): \(answer.body)")
            let code = (json["error"] as? [String: Any])?["code"] as? String
            table.append("\(attempt.name): \(answer.status) \(code ?? "-")")
            #expect(code == attempt.code, "\(attempt.name): \(answer.body)")
            #expect(json["request_id"] as? String != nil && answer.headers.first(name: "X-Request-ID") != nil, "\(attempt.name)")
            let leaks: [String] = [Self.secret, "BEGIN PUBLIC KEY", "Swift", ".swift", "ari:", "Error(", "\"history\""]
            for leak in leaks {
                #expect(!answer.body.contains(leak), "\(attempt.name) leaks \(leak): \(answer.body)")
            }
        }
        #expect(!harness.fake.requests.contains { $0.method == "POST" && $0.path == "/ari/channels" }, "a refused originate reached Asterisk")
        #expect(harness.fake.channels[channel] != nil, "the call survived every attempt")

        // A flood past the tenant's budget (burst 20, refilled one request per 1000 s, so that a slow machine
        // refills nothing meanwhile): 429 with Retry-After; another tenant is not held up.
        let flooder = try await token("flood")
        var statuses: [UInt] = []
        var retryAfter: String?
        for _ in 0..<40 {
            let answer = try await Self.send(harness, .GET, "/v1/calls", token: flooder, body: nil)
            statuses.append(answer.status)
            if answer.status == 429 { retryAfter = retryAfter ?? answer.headers.first(name: "Retry-After") }
        }
        let limited = statuses.filter { $0 == 429 }.count
        table.append("flood: \(statuses.filter { $0 == 200 }.count) × 200, \(limited) × 429 rate_limited, Retry-After \(retryAfter ?? "-")")
        #expect(limited == 20 && statuses.prefix(20).allSatisfy { $0 == 200 }, "\(statuses)")
        #expect(retryAfter.flatMap(Int.init).map { $0 >= 1 } == true)
        #expect(try await Self.send(harness, .GET, "/v1/calls", token: valid, body: nil).status == 200, "another tenant was held up")
        print("attack script:\n  " + table.joined(separator: "\n  "))
        try await harness.stop()
    }
}
