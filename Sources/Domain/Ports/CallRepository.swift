/// Which calls to list.
public struct CallFilter: Sendable, Hashable {
    public var tenantID: TenantID?
    public var states: Set<CallState>?
    public var instanceID: InstanceID?
    /// At most this many calls, ordered by creation time then id.
    public var limit: Int

    public init(tenantID: TenantID? = nil, states: Set<CallState>? = nil, instanceID: InstanceID? = nil, limit: Int = 1000) {
        self.tenantID = tenantID
        self.states = states
        self.instanceID = instanceID
        self.limit = limit
    }

    /// Whether `call` passes this filter.
    public func matches(_ call: Call) -> Bool {
        if let tenantID, call.tenantID != tenantID { return false }
        if let states, !states.contains(call.state) { return false }
        if let instanceID, call.instanceID != instanceID { return false }
        return true
    }
}

/// Where call documents live (memory, Redis).
///
/// Errors: `CallError` with code `alreadyExists`, `notFound` or `conflict`; a storage failure is a
/// `ProviderError`. Anything thrown by an update body is rethrown unchanged.
public protocol CallRepository: Sendable {
    /// Stores a new call. Throws `alreadyExists` if the id is taken.
    func save(_ call: Call) async throws

    /// The call with `id`, or nil.
    func get(_ id: CallID) async throws -> Call?

    /// Applies `body` to the stored call atomically with optimistic concurrency: the adapter reads,
    /// runs `body`, and writes only if nobody wrote in between (retrying `body` on a lost race, so it
    /// must be free of side effects). Increments `version`. Returns the stored call and `body`'s result.
    func update<Result: Sendable>(
        _ id: CallID, _ body: @Sendable (inout Call) throws -> Result
    ) async throws -> (Call, Result)

    /// Calls matching `filter`.
    func list(_ filter: CallFilter) async throws -> [Call]
}
