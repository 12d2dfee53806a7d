import Domain

/// The operator API's read side: one tenant's view of the calls in the call state (live ones and, as
/// long as the repository keeps them, ended ones), on whichever instance they run.
public struct CallQueries: Sendable {
    let repository: any CallRepository

    public init(repository: any CallRepository) {
        self.repository = repository
    }

    /// The call `id` if it belongs to `tenant`; nil when there is none, or it is another tenant's (which
    /// must look exactly like none). Throws the repository's failure.
    public func call(_ id: CallID, tenant: TenantID) async throws -> Call? {
        guard let call = try await repository.get(id), call.tenantID == tenant else { return nil }
        return call
    }
}
