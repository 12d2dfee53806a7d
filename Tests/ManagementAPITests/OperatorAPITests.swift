import Application
import CallState
import Domain
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JWTKit
import Logging
@testable import ManagementAPI
import NIOCore
import Synchronization
import Prometheus
import Testing
import TestSupport

/// The claims a test token carries (any of them may be left out).
struct TestClaims: JWTPayload {
    var exp: ExpirationClaim?
    var nbf: NotBeforeClaim?
    var sub: SubjectClaim? = SubjectClaim(value: "tester")
    var tenant_id: String?
    var scope: String?
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// `/v1` over Hummingbird's test client: who may read which call, and what every refusal looks like.
@Suite("Operator API: tokens, tenants, a call and its transcript")
struct OperatorAPITests {
    static let secret = "an-hs256-secret-of-at-least-32-bytes!"
    static let clock = TestClock()
    static var now: Date { Date(timeIntervalSince1970: TimeInterval(clock.now().millisecondsSinceEpoch) / 1000) }

    static func fixture(_ name: String) throws -> String {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/jwt/\(name)")
        return try String(contentsOf: url, encoding: .utf8)
    }

    static func claims(tenant: String? = "acme", scope: String? = "calls:read", expiresIn: TimeInterval? = 300, notBefore: TimeInterval? = nil) -> TestClaims {
        TestClaims(
            exp: expiresIn.map { ExpirationClaim(value: now.addingTimeInterval($0)) },
            nbf: notBefore.map { NotBeforeClaim(value: now.addingTimeInterval($0)) }, tenant_id: tenant, scope: scope)
    }

    static func hs256(_ claims: TestClaims, secret: String = secret) async throws -> String {
        try await JWTKeyCollection().add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256).sign(claims)
    }

    static func rs256(_ claims: TestClaims) async throws -> String {
        try await JWTKeyCollection().add(rsa: Insecure.RSA.PrivateKey(pem: fixture("rsa-private.pem")), digestAlgorithm: .sha256).sign(claims)
    }

    static func es256(_ claims: TestClaims, kid: String? = nil) async throws -> String {
        try await JWTKeyCollection().add(ecdsa: ES256PrivateKey(pem: fixture("ec-private.pem")))
            .sign(claims, kid: kid.map { JWKIdentifier(string: $0) })
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// A router over a repository holding one call of `acme` with a short conversation, and one of `globex`.
    static func router(
        hs256Secret: String? = secret, publicKeys: String? = nil, commands: any CallCommands = RecordedCommands()
    ) async throws -> Router<APIRequestContext> {
        let repository = InMemoryCallRepository(clock: clock)
        var call = Call(
            id: "call-1", tenantID: "acme", channelID: "chan-1", conversationID: "conv-1", direction: .inbound, callerNumber: "+15551230001",
            calleeNumber: "+15559870000", instanceID: "i-1", createdAt: clock.now())
        _ = try call.answer(at: clock.now())
        call.remember(HistoryLine(speaker: .agent, text: "Hello, how can I help you?", at: clock.now()))
        call.remember(HistoryLine(speaker: .caller, text: "my card is **** **** **** 1111", at: clock.now()))
        try await repository.save(call)
        try await repository.save(Call(
            id: "call-2", tenantID: "globex", channelID: "chan-2", conversationID: "conv-2", direction: .inbound, callerNumber: "+15551230002",
            calleeNumber: "+15559870001", instanceID: "i-1", createdAt: clock.now()))
        let keys = try await APIKeys.load(hs256Secret: hs256Secret, publicKeys: publicKeys)
        let api = ManagementAPI.Operator(authenticator: APIAuthenticator(keys: keys, clock: clock), queries: CallQueries(repository: repository), commands: commands)
        return ManagementAPI.makeRouter(dependencies: [], registry: PrometheusCollectorRegistry(), operator: api, logger: Logger(label: "test"))
    }

    struct Answer {
        let status: HTTPResponse.Status
        let json: [String: Any]
        let headers: HTTPFields
        var code: String? { (json["error"] as? [String: Any])?["code"] as? String }
        var message: String { ((json["error"] as? [String: Any])?["message"] as? String) ?? "" }
    }

    static func get(_ router: Router<APIRequestContext>, _ path: String, token: String?, requestID: String? = nil) async throws -> Answer {
        try await send(router, .get, path, token: token, requestID: requestID)
    }

    static func post(
        _ router: Router<APIRequestContext>, _ path: String, token: String?, body: String, contentType: String = "application/json"
    ) async throws -> Answer {
        try await send(router, .post, path, token: token, body: body, contentType: contentType)
    }

    static func send(
        _ router: Router<APIRequestContext>, _ method: HTTPRequest.Method, _ path: String, token: String?, requestID: String? = nil,
        body: String? = nil, contentType: String = "application/json"
    ) async throws -> Answer {
        var fields = HTTPFields()
        if body != nil { fields[.contentType] = contentType }
        if let token { fields[.authorization] = "Bearer \(token)" }
        if let requestID { fields[HTTPField.Name("X-Request-ID")!] = requestID }
        let headers = fields
        let app = Application(router: router)
        return try await app.test(.router) { client in
            try await client.execute(uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) { response in
                let json = (try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [String: Any] ?? [:]
                return Answer(status: response.status, json: json, headers: response.headers)
            }
        }
    }

    @Test func aTenantReadsItsCallWithTheConversationSoFar() async throws {
        let router = try await Self.router()
        let answer = try await Self.get(router, "/v1/calls/call-1", token: try await Self.hs256(Self.claims()))
        #expect(answer.status == .ok)
        #expect(answer.json["call_id"] as? String == "call-1")
        #expect(answer.json["state"] as? String == "answered")
        #expect(answer.json["from"] as? String == "+15551230001")
        let history = try #require(answer.json["history"] as? [[String: Any]])
        #expect(history.map { $0["speaker"] as? String } == ["agent", "caller"])
        #expect(history.last?["text"] as? String == "my card is **** **** **** 1111")
        let transcript = try await Self.get(router, "/v1/calls/call-1/transcript", token: try await Self.hs256(Self.claims()))
        #expect(transcript.status == .ok)
        #expect((transcript.json["lines"] as? [[String: Any]])?.count == 2)
        #expect(answer.headers[HTTPField.Name("X-Request-ID")!]?.isEmpty == false)
    }

    @Test func anotherTenantsCallIsNotFoundLikeAMissingOne() async throws {
        let router = try await Self.router()
        let token = try await Self.hs256(Self.claims())
        let other = try await Self.get(router, "/v1/calls/call-2", token: token)
        let missing = try await Self.get(router, "/v1/calls/nope", token: token)
        #expect(other.status == .notFound && missing.status == .notFound)
        #expect(other.code == "not_found" && other.message == missing.message)
    }

    /// The attack script: each refusal gets its status and the error body, and leaks nothing.
    @Test func refusals() async throws {
        let router = try await Self.router()
        let path = "/v1/calls/call-1"
        func expect(_ token: String?, _ status: HTTPResponse.Status, _ code: String, _ what: Comment) async throws {
            let answer = try await Self.get(router, path, token: token)
            #expect(answer.status == status, what)
            #expect(answer.code == code, what)
            #expect(answer.json["request_id"] as? String != nil, what)
            #expect(answer.json["call_id"] == nil, what)
            #expect(!answer.message.contains(Self.secret), what)
        }
        try await expect(nil, .unauthorized, "unauthorized", "no token")
        try await expect("not.a.jwt", .unauthorized, "unauthorized", "garbage")
        try await expect(try await Self.hs256(Self.claims(), secret: "another-secret-that-is-32-bytes-long"), .unauthorized, "unauthorized", "bad signature")
        try await expect(try await Self.hs256(Self.claims(expiresIn: -120)), .unauthorized, "unauthorized", "expired beyond the leeway")
        try await expect(try await Self.hs256(Self.claims(expiresIn: nil)), .unauthorized, "unauthorized", "no exp")
        try await expect(try await Self.hs256(Self.claims(notBefore: 120)), .unauthorized, "unauthorized", "not valid yet")
        try await expect(try await Self.hs256(Self.claims(tenant: nil)), .unauthorized, "unauthorized", "no tenant")
        try await expect(try await Self.hs256(Self.claims(scope: "calls:write")), .forbidden, "forbidden", "missing scope")
        try await expect(try await Self.hs256(Self.claims(scope: nil)), .forbidden, "forbidden", "no scope at all")
        // alg none: an unsigned token that says so.
        let none = Self.base64URL(Data(#"{"alg":"none","typ":"JWT"}"#.utf8)) + "."
            + Self.base64URL(try JSONEncoder().encode(Self.claims())) + "."
        try await expect(none, .unauthorized, "unauthorized", "alg none")
        // RS256 token while only the HS256 secret is configured.
        try await expect(try await Self.rs256(Self.claims()), .unauthorized, "unauthorized", "no key for RS256")
        #expect(try await Self.get(router, path, token: try await Self.hs256(Self.claims(expiresIn: -10))).status == .ok, "within the leeway")
        #expect(try await Self.get(router, path, token: try await Self.hs256(Self.claims(scope: "admin"))).status == .ok, "admin reads")
    }

    @Test func publicKeysFromPEMOrJWKSVerifyRS256AndES256AndNeverAnHMACMadeOfThem() async throws {
        let pem = try Self.fixture("rsa-public.pem") + (try Self.fixture("ec-public.pem"))
        let router = try await Self.router(hs256Secret: nil, publicKeys: pem)
        #expect(try await Self.get(router, "/v1/calls/call-1", token: try await Self.rs256(Self.claims())).status == .ok)
        #expect(try await Self.get(router, "/v1/calls/call-1", token: try await Self.es256(Self.claims(), kid: "pem-1")).status == .ok)
        // Without a kid, the first key of the token's algorithm (the EC key, though the RSA key comes first).
        #expect(try await Self.get(router, "/v1/calls/call-1", token: try await Self.es256(Self.claims())).status == .ok)
        #expect(try await Self.get(router, "/v1/calls/call-1", token: try await Self.es256(Self.claims(), kid: "pem-0")).status == .unauthorized,
                "pem-0 is the RSA key")
        // HS/RS confusion: an HS256 token whose secret is the server's public key.
        let confused = try await Self.hs256(Self.claims(), secret: try Self.fixture("rsa-public.pem"))
        let refused = try await Self.get(router, "/v1/calls/call-1", token: confused)
        #expect(refused.status == .unauthorized)
        #expect(refused.message.contains("no key"))
        // The same with an HS256 secret configured too: the signature does not verify.
        let both = try await Self.router(publicKeys: pem)
        #expect(try await Self.get(both, "/v1/calls/call-1", token: confused).status == .unauthorized)
        #expect(try await Self.get(both, "/v1/calls/call-1", token: try await Self.rs256(Self.claims())).status == .ok)

        // A JWKS document with the EC key.
        let ec = try ES256PrivateKey(pem: Self.fixture("ec-private.pem")).publicKey
        let parameters = try #require(ec.parameters)
        let jwks = #"{"keys":[{"kty":"EC","crv":"P-256","kid":"k1","alg":"ES256","x":"\#(parameters.x)","y":"\#(parameters.y)"}]}"#
        let viaJWKS = try await Self.router(hs256Secret: nil, publicKeys: jwks)
        #expect(try await Self.get(viaJWKS, "/v1/calls/call-1", token: try await Self.es256(Self.claims(), kid: "k1")).status == .ok)
        #expect(try await Self.get(viaJWKS, "/v1/calls/call-1", token: try await Self.rs256(Self.claims())).status == .unauthorized)
    }

    @Test func withoutKeysEveryV1RequestIs503AndHealthStillAnswers() async throws {
        let router = ManagementAPI.makeRouter(dependencies: [], registry: PrometheusCollectorRegistry(), operator: nil, logger: Logger(label: "test"))
        let answer = try await Self.get(router, "/v1/calls/call-1", token: try await Self.hs256(Self.claims()))
        #expect(answer.status == .serviceUnavailable)
        #expect(answer.code == "auth_not_configured")
        #expect(try await Self.get(router, "/v1/anything/else", token: nil).status == .serviceUnavailable)
        #expect(try await Self.get(router, "/health", token: nil).status == .ok)
    }

    @Test func requestIDsAreEchoedWhenSaneAndReplacedWhenNot() async throws {
        let router = try await Self.router()
        let kept = try await Self.get(router, "/v1/calls/nope", token: nil, requestID: "abc-123.X_y")
        #expect(kept.headers[HTTPField.Name("X-Request-ID")!] == "abc-123.X_y")
        #expect(kept.json["request_id"] as? String == "abc-123.X_y")
        let replaced = try await Self.get(router, "/v1/calls/nope", token: nil, requestID: "bad id\" <script>")
        let id = try #require(replaced.headers[HTTPField.Name("X-Request-ID")!])
        #expect(id != "bad id\" <script>" && UUID(uuidString: id) != nil)
        // An unknown path under /v1 asks for a token first, then is not found.
        #expect(try await Self.get(router, "/v1/nothing/here", token: nil).status == .unauthorized)
        let unknown = try await Self.get(router, "/v1/nothing/here", token: try await Self.hs256(Self.claims()))
        #expect(unknown.status == .notFound && unknown.code == "not_found")
    }

    @Test func keysThatCannotWorkAreRefusedNamingTheKey() async throws {
        await #expect(throws: APIKeys.LoadError.self) { try await APIKeys.load(hs256Secret: "short", publicKeys: nil) }
        do {
            _ = try await APIKeys.load(hs256Secret: nil, publicKeys: "not a key")
            Issue.record("loaded")
        } catch {
            #expect(error.key == "http.auth.public_keys_file")
        }
    }

    @Test func commandsAreHandedOnForTheTokensTenantAndAnswered202() async throws {
        let commands = RecordedCommands()
        let router = try await Self.router(commands: commands)
        let token = try await Self.hs256(Self.claims(scope: "calls:read calls:write"))
        let hangup = try await Self.post(router, "/v1/calls/call-1/hangup", token: token, body: "")
        #expect(hangup.status == .accepted && hangup.json["command"] as? String == "hangup")
        #expect(try await Self.post(router, "/v1/calls/call-1/say", token: token, body: #"{"text":"Please hold.","interrupt":true}"#).status == .accepted)
        #expect(try await Self.post(router, "/v1/calls/call-1/transfer", token: token, body: #"{"target":"queue:billing","reason":"asked"}"#).status == .accepted)
        #expect(try await Self.post(router, "/v1/calls/call-1/transfer", token: token, body: #"{"target":"+15551234567","mode":"warm"}"#).status == .accepted)
        #expect(try await Self.post(router, "/v1/calls/call-1/dtmf", token: token, body: #"{"digits":"12#"}"#).status == .accepted)
        #expect(commands.seen.withLock { $0 } == [
            "acme call-1 hangUp", #"acme call-1 say("Please hold.", interrupt: true)"#, "acme call-1 transfer(queue:billing (asked))",
            "acme call-1 transfer(external:+15551234567 warm)", "acme call-1 dtmf 12#",
        ])
    }

    /// Bad bodies and scopes: each gets its status and code, and nothing is handed on.
    @Test func badCommandsAreRefused() async throws {
        let commands = RecordedCommands()
        let router = try await Self.router(commands: commands)
        let token = try await Self.hs256(Self.claims(scope: "calls:write"))
        func expect(_ path: String, _ body: String, _ status: HTTPResponse.Status, _ code: String, token: String? = nil, contentType: String = "application/json") async throws {
            let writer = try await Self.hs256(Self.claims(scope: "calls:write"))
            let answer = try await Self.post(router, path, token: token ?? writer, body: body, contentType: contentType)
            #expect(answer.status == status, "\(path) \(body.prefix(60))")
            #expect(answer.code == code, "\(path) \(body.prefix(60))")
        }
        try await expect("/v1/calls/call-1/say", #"{"text":"hi"}"#, .forbidden, "forbidden", token: try await Self.hs256(Self.claims(scope: "calls:read")))
        try await expect("/v1/calls/call-1/say", #"{"text":"hi","loud":true}"#, .badRequest, "unknown_field")
        try await expect("/v1/calls/call-1/say", #"{"text":"hi""#, .badRequest, "invalid_json")
        try await expect("/v1/calls/call-1/say", #"["hi"]"#, .badRequest, "invalid_json")
        try await expect("/v1/calls/call-1/say", #"{"text":42}"#, .unprocessableContent, "invalid_field")
        try await expect("/v1/calls/call-1/say", #"{"text":"hi","interrupt":"yes"}"#, .unprocessableContent, "invalid_field")
        try await expect("/v1/calls/call-1/say", #"{}"#, .unprocessableContent, "invalid_field")
        try await expect("/v1/calls/call-1/say", #"{"text":"   "}"#, .unprocessableContent, "invalid_field")
        try await expect("/v1/calls/call-1/say", "text=hi", .unsupportedMediaType, "unsupported_media_type", contentType: "application/x-www-form-urlencoded")
        try await expect("/v1/calls/call-1/say", #"{"text":""# + String(repeating: "a", count: 20_000) + #""}"#, .contentTooLarge, "body_too_large")
        try await expect("/v1/calls/call-1/transfer", #"{"target":"sip:evil@example.com"}"#, .unprocessableContent, "invalid_field")
        try await expect("/v1/calls/call-1/transfer", #"{"target":"queue:../../etc"}"#, .unprocessableContent, "invalid_field")
        try await expect("/v1/calls/call-1/transfer", #"{"target":"queue:billing","mode":"attended"}"#, .unprocessableContent, "invalid_field")
        try await expect("/v1/calls/call-1/dtmf", #"{"digits":"12x"}"#, .unprocessableContent, "invalid_field")
        try await expect("/v1/calls/call-1/hangup", #"{"now":true}"#, .badRequest, "unknown_field")
        #expect(commands.seen.withLock { $0 }.isEmpty)
        let wrongMethod = try await Self.get(router, "/v1/calls/call-1/hangup", token: token)
        #expect(wrongMethod.status == .methodNotAllowed && wrongMethod.headers[.allow] == "POST", "GET of a command")
    }

    @Test func commandFailuresMapToStatuses() async throws {
        let token = try await Self.hs256(Self.claims(scope: "calls:write"))
        let cases: [(CallCommandError, HTTPResponse.Status, String)] = [
            (.notFound, .notFound, "not_found"), (.notLive, .conflict, "call_not_live"), (.elsewhere("i-2"), .conflict, "call_elsewhere"),
            (.destinationNotAllowed(try PhoneNumber("+19005551234")), .forbidden, "destination_not_allowed"),
            (.telephony(ProviderError(.server, provider: "ari", "boom")), .badGateway, "telephony_error"), (.unavailable, .serviceUnavailable, "state_unavailable"),
        ]
        for (failure, status, code) in cases {
            let router = try await Self.router(commands: RecordedCommands(failure: failure))
            let answer = try await Self.post(router, "/v1/calls/call-1/hangup", token: token, body: "{}")
            #expect(answer.status == status && answer.code == code, "\(failure)")
            #expect(!answer.message.contains("boom"), "no internals")
        }
    }

    @Test func metricsAndReadinessAnswerLoopbackPeersOnlyUnlessPublic() async throws {
        #expect(LoopbackOnlyMiddleware.isLoopback(try SocketAddress(ipAddress: "127.0.0.1", port: 1)))
        #expect(LoopbackOnlyMiddleware.isLoopback(try SocketAddress(ipAddress: "127.8.9.1", port: 1)))
        #expect(LoopbackOnlyMiddleware.isLoopback(try SocketAddress(ipAddress: "::1", port: 1)))
        #expect(!LoopbackOnlyMiddleware.isLoopback(try SocketAddress(ipAddress: "10.0.0.5", port: 1)))
        #expect(!LoopbackOnlyMiddleware.isLoopback(try SocketAddress(ipAddress: "2001:db8::1", port: 1)))
        #expect(!LoopbackOnlyMiddleware.isLoopback(nil))
        // The test client's peer is not a loopback socket: the closed router refuses, the public one answers.
        let closed = ManagementAPI.makeRouter(
            dependencies: [], registry: PrometheusCollectorRegistry(), operator: nil, metricsPublic: false, logger: Logger(label: "test"))
        let refused = try await Self.get(closed, "/metrics", token: nil)
        #expect(refused.status == .forbidden && refused.code == "forbidden")
        #expect(try await Self.get(closed, "/ready", token: nil).status == .forbidden)
        #expect(try await Self.get(closed, "/health", token: nil).status == .ok)
        let open = ManagementAPI.makeRouter(
            dependencies: [], registry: PrometheusCollectorRegistry(), operator: nil, metricsPublic: true, logger: Logger(label: "test"))
        #expect(try await Self.get(open, "/metrics", token: nil).status == .ok)
    }

    @Test func theTenantsCallsAreListedPageByPageWithFilters() async throws {
        let repository = InMemoryCallRepository(clock: Self.clock)
        for n in 0..<5 {
            var call = Call(
                id: CallID("acme-\(n)"), tenantID: "acme", channelID: ChannelID("ch-\(n)"), conversationID: ConversationID("v-\(n)"),
                direction: n == 4 ? .outbound : .inbound, callerNumber: "+1555000000\(n)", calleeNumber: "+15559870000", instanceID: "i-1",
                createdAt: Self.clock.now().advanced(by: .seconds(Int64(n))))
            if n % 2 == 0 { _ = try call.answer(at: Self.clock.now()) }
            try await repository.save(call)
        }
        try await repository.save(Call(
            id: "globex-0", tenantID: "globex", channelID: "ch-g", conversationID: "v-g", direction: .inbound, callerNumber: "+15551230002",
            calleeNumber: "+15559870001", instanceID: "i-1", createdAt: Self.clock.now()))
        let keys = try await APIKeys.load(hs256Secret: Self.secret, publicKeys: nil)
        let api = ManagementAPI.Operator(
            authenticator: APIAuthenticator(keys: keys, clock: Self.clock), queries: CallQueries(repository: repository), commands: RecordedCommands())
        let router = ManagementAPI.makeRouter(dependencies: [], registry: PrometheusCollectorRegistry(), operator: api, logger: Logger(label: "test"))
        let token = try await Self.hs256(Self.claims())

        var seen: [String] = []
        var path = "/v1/calls?limit=2"
        var pages = 0
        while true {
            let page = try await Self.get(router, path, token: token)
            #expect(page.status == .ok)
            let calls = try #require(page.json["calls"] as? [[String: Any]])
            #expect(calls.count <= 2 && calls.allSatisfy { $0["history"] == nil && $0["tenant_id"] as? String == "acme" })
            seen += calls.compactMap { $0["call_id"] as? String }
            pages += 1
            guard let next = page.json["next_cursor"] as? String else { break }
            path = "/v1/calls?limit=2&cursor=\(next)"
        }
        #expect(seen == ["acme-0", "acme-1", "acme-2", "acme-3", "acme-4"])
        #expect(pages == 3)
        let answered = try await Self.get(router, "/v1/calls?state=answered", token: token)
        #expect((answered.json["calls"] as? [[String: Any]])?.compactMap { $0["call_id"] as? String } == ["acme-0", "acme-2", "acme-4"])
        let outbound = try await Self.get(router, "/v1/calls?direction=outbound&state=ringing,answered", token: token)
        #expect((outbound.json["calls"] as? [[String: Any]])?.compactMap { $0["call_id"] as? String } == ["acme-4"])
        for (query, status, code) in [
            ("limit=0", HTTPResponse.Status.unprocessableContent, "invalid_field"), ("limit=101", .unprocessableContent, "invalid_field"),
            ("limit=ten", .unprocessableContent, "invalid_field"), ("state=asleep", .unprocessableContent, "invalid_field"),
            ("direction=sideways", .unprocessableContent, "invalid_field"), ("cursor=%21%21", .unprocessableContent, "invalid_field"),
            ("sort=desc", .badRequest, "unknown_field"),
        ] {
            let answer = try await Self.get(router, "/v1/calls?\(query)", token: token)
            #expect(answer.status == status && answer.code == code, "\(query)")
        }
        #expect(try await Self.get(router, "/v1/calls", token: try await Self.hs256(Self.claims(scope: "calls:write"))).status == .forbidden)
    }

    @Test func eachTenantHasItsOwnRequestBudget() async throws {
        let limiterClock = TestClock()
        let repository = InMemoryCallRepository(clock: Self.clock)
        let keys = try await APIKeys.load(hs256Secret: Self.secret, publicKeys: nil)
        let api = ManagementAPI.Operator(
            authenticator: APIAuthenticator(keys: keys, clock: Self.clock), queries: CallQueries(repository: repository),
            commands: RecordedCommands(), limiter: InMemoryRateLimiter(rate: 1, burst: 2, clock: limiterClock))
        let router = ManagementAPI.makeRouter(dependencies: [], registry: PrometheusCollectorRegistry(), operator: api, logger: Logger(label: "test"))
        let acme = try await Self.hs256(Self.claims())
        #expect(try await Self.get(router, "/v1/calls", token: acme).status == .ok)
        #expect(try await Self.get(router, "/v1/calls/nope", token: acme).status == .notFound)
        let limited = try await Self.get(router, "/v1/calls", token: acme)
        #expect(limited.status == .tooManyRequests && limited.code == "rate_limited")
        #expect(limited.headers[.retryAfter] == "1")
        #expect(try await Self.get(router, "/v1/calls", token: try await Self.hs256(Self.claims(tenant: "globex"))).status == .ok, "another tenant")
        #expect(try await Self.get(router, "/v1/calls", token: nil).status == .unauthorized, "no token is refused before any budget")
        _ = limiterClock.advance(by: .seconds(1))
        #expect(try await Self.get(router, "/v1/calls", token: acme).status == .ok)
    }
}
