import Domain

/// What a token allows.
public enum APIScope: String, Sendable, Hashable, CaseIterable {
    /// Read calls, transcripts and events of the token's tenant.
    case callsRead = "calls:read"
    /// Place and steer calls of the token's tenant.
    case callsWrite = "calls:write"
    /// Everything the other scopes allow.
    case admin
}

/// A verified caller of the API: the tenant whose calls it may see, and its scopes.
public struct APIPrincipal: Sendable, Hashable {
    public let tenantID: TenantID
    public let scopes: Set<APIScope>
    /// The token's `sub`, for the logs.
    public let subject: String?

    public init(tenantID: TenantID, scopes: Set<APIScope>, subject: String? = nil) {
        self.tenantID = tenantID
        self.scopes = scopes
        self.subject = subject
    }

    /// Whether the principal may do what `scope` covers (`admin` covers everything).
    public func allows(_ scope: APIScope) -> Bool { scopes.contains(scope) || scopes.contains(.admin) }
}
