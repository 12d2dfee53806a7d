import AdapterSupport
import AsyncHTTPClient
import Domain
import Foundation
import Logging

/// The tenant manager's REST API as the daemon uses it (docs/tenant-manager.md): three lookups, each a
/// `GET` with `Authorization: Bearer <token>` (none when the token is empty) and a deadline. A 404 is
/// an answer ("no such number/trunk/tenant": nil); every other failure throws the classified
/// `ProviderError` (timeout, server, network, auth, rate_limited, bad_request, bad_response).
/// No retry: a ringing caller waits on this, and the cache serves the last answer when it fails.
public struct TenantManagerClient: Sendable {
    /// `https://tenants.internal:8443`, without a trailing slash.
    public let baseURL: String
    let token: String
    let http: VendorHTTP

    /// `settings` carry the base URL, the bearer token (never logged) and the per-request deadline
    /// (until the answer's head, and again for its body on `clock`).
    public init(settings: HTTPProviderSettings, client: HTTPClient = .vendors, clock: (any Domain.Clock)? = nil, logger: Logger) {
        self.baseURL = settings.baseURL
        self.token = settings.apiKey
        self.http = VendorHTTP(client: client, provider: "tenant_manager", timeout: settings.timeout, logger: logger, clock: clock)
    }

    /// `GET /api/v1/dids/{did}`: the tenant owning dialled number `did` (E.164 as normalised); nil on 404.
    public func owner(ofNumber did: String) async throws(ProviderError) -> TenantID? {
        try await get("/api/v1/dids/\(Self.escaped(did))", as: TenantManagerWire.DID.self).map { TenantID($0.tenantID) }
    }

    /// `GET /api/v1/trunks/{trunk_id}`: the tenant owning SIP trunk `trunk` (the PJSIP endpoint name); nil on 404.
    public func owner(ofTrunk trunk: String) async throws(ProviderError) -> TenantID? {
        try await get("/api/v1/trunks/\(Self.escaped(trunk))", as: TenantManagerWire.Trunk.self).map { TenantID($0.tenantID) }
    }

    /// `GET /api/v1/tenants/{id}/telephony/settings`: tenant `id`'s telephony settings; nil on 404.
    func settings(of tenant: TenantID) async throws(ProviderError) -> TenantManagerWire.Settings? {
        try await get("/api/v1/tenants/\(Self.escaped(tenant.rawValue))/telephony/settings", as: TenantManagerWire.Settings.self)
    }

    private func get<T: Decodable>(_ path: String, as type: T.Type) async throws(ProviderError) -> T? {
        var headers = [("Accept", "application/json")]
        if !token.isEmpty { headers.append(("Authorization", "Bearer \(token)")) }
        let request = HTTPClientRequest.make(baseURL + path, method: .GET, headers: headers)
        guard let response = try await http.sendLookup(request) else { return nil }
        try http.expectContentType(response, ["application/json"])
        return try http.decode(T.self, from: try await http.body(of: response))
    }

    /// `id` as one path segment (`/` and `?` escaped; `+` kept, as RFC 3986 allows in a path).
    static func escaped(_ id: String) -> String {
        id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? id
    }
}
