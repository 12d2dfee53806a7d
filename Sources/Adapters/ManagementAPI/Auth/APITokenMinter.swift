import Domain
import Foundation
import JWTKit

/// Mints HS256 tokens for the operator API (`voicegatewayd token`), signed with the configured secret.
public enum APITokenMinter {
    private struct Claims: JWTPayload {
        let exp: ExpirationClaim
        let iat: IssuedAtClaim
        let sub: SubjectClaim
        let tenant_id: String
        let scope: String
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    /// A token for `tenant` with `scopes`, valid from `now` for `lifetime`.
    public static func hs256(
        secret: String, tenant: TenantID, scopes: [APIScope], subject: String, lifetime: Duration, now: Date = Date()
    ) async throws -> String {
        let claims = Claims(
            exp: ExpirationClaim(value: now.addingTimeInterval(lifetime.seconds)), iat: IssuedAtClaim(value: now),
            sub: SubjectClaim(value: subject), tenant_id: tenant.rawValue, scope: scopes.map(\.rawValue).joined(separator: " "))
        return try await JWTKeyCollection().add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256).sign(claims)
    }
}
