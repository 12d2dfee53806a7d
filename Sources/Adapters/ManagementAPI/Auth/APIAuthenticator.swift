import Domain
import Foundation
import JWTKit
import Synchronization

/// Verifies the bearer tokens of `/v1` requests.
///
/// A token is accepted when its header's `alg` is HS256 (checked only with the HS256 secret) or RS256 /
/// ES256 (checked only with the public keys, picked by `kid` when there is one), its signature verifies,
/// `exp` is present and not passed and `nbf` (if present) reached, each with `leeway`, and it names a
/// `tenant_id`. `alg: none` and any other algorithm are refused before any key is tried. The keys can be
/// replaced at run time (`reload`), so a SIGHUP picks up rotated keys.
public final class APIAuthenticator: Sendable {
    private let keys: Mutex<APIKeys>
    private let clock: any Domain.Clock
    private let leeway: Duration

    public init(keys: APIKeys, clock: any Domain.Clock, leeway: Duration = .seconds(30)) {
        self.keys = Mutex(keys)
        self.clock = clock
        self.leeway = leeway
    }

    /// Whether any key is configured (without one the API refuses every `/v1` request with 503).
    public var isConfigured: Bool { !keys.withLock { $0 }.isEmpty }

    /// Replaces the keys (a reload of the key files).
    public func reload(_ newKeys: APIKeys) { keys.withLock { $0 = newKeys } }

    /// The claims the daemon reads.
    struct Claims: JWTPayload {
        let exp: ExpirationClaim?
        let nbf: NotBeforeClaim?
        let sub: SubjectClaim?
        let tenant_id: String?
        let scope: String?

        /// Times are checked by the authenticator against its own clock.
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    private struct Header: Decodable {
        let alg: String?
        let kid: String?
    }

    /// The principal of `authorization` (the `Authorization` header's value), or why it is refused.
    public func authenticate(_ authorization: String?) async -> Result<APIPrincipal, APIError> {
        let keys = keys.withLock { $0 }
        guard !keys.isEmpty else { return .failure(.authNotConfigured) }
        guard let authorization, authorization.lowercased().hasPrefix("bearer ") else {
            return .failure(.unauthorized("a bearer token is required"))
        }
        let token = authorization.dropFirst("bearer ".count).trimmingCharacters(in: .whitespaces)
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerData = Self.base64URL(parts[0]),
              let header = try? JSONDecoder().decode(Header.self, from: headerData)
        else { return .failure(.unauthorized("the token is not a JWT")) }
        guard let algorithm = header.alg, ["HS256", "RS256", "ES256"].contains(algorithm) else {
            return .failure(.unauthorized("token algorithm \(header.alg.map { "'\($0)'" } ?? "missing") is not accepted"))
        }
        guard let verifier = keys.verifier(algorithm: algorithm, kid: header.kid) else {
            return .failure(.unauthorized("no key for the token's algorithm and kid"))
        }
        let claims: Claims
        do {
            claims = try await verifier.keys.verify(token, as: Claims.self)
        } catch {
            return .failure(.unauthorized("the token's signature does not verify"))
        }
        let now = Date(timeIntervalSince1970: TimeInterval(clock.now().millisecondsSinceEpoch) / 1000)
        guard let exp = claims.exp else { return .failure(.unauthorized("the token has no exp")) }
        if exp.value.addingTimeInterval(leeway.seconds) < now { return .failure(.unauthorized("the token has expired")) }
        if let nbf = claims.nbf, nbf.value.addingTimeInterval(-leeway.seconds) > now {
            return .failure(.unauthorized("the token is not valid yet"))
        }
        guard let tenant = claims.tenant_id, !tenant.isEmpty else { return .failure(.unauthorized("the token has no tenant_id")) }
        let scopes = Set((claims.scope ?? "").split(separator: " ").compactMap { APIScope(rawValue: String($0)) })
        return .success(APIPrincipal(tenantID: TenantID(tenant), scopes: scopes, subject: claims.sub?.value))
    }

    static func base64URL(_ text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }
}
