/// Which calls to list.
public struct CallFilter: Sendable, Hashable {
    public var tenantID: TenantID?
    public var states: Set<CallState>?
    public var instanceID: InstanceID?
    public var direction: CallDirection?
    /// Only calls after this one in the listing order (creation time, then id): a page's cursor.
    public var after: (createdAt: Timestamp, id: CallID)?
    /// At most this many calls, ordered by creation time then id.
    public var limit: Int

    public init(
        tenantID: TenantID? = nil, states: Set<CallState>? = nil, instanceID: InstanceID? = nil, direction: CallDirection? = nil,
        after: (createdAt: Timestamp, id: CallID)? = nil, limit: Int = 1000
    ) {
        self.tenantID = tenantID
        self.states = states
        self.instanceID = instanceID
        self.direction = direction
        self.after = after
        self.limit = limit
    }

    /// Whether `call` passes this filter.
    public func matches(_ call: Call) -> Bool {
        if let tenantID, call.tenantID != tenantID { return false }
        if let states, !states.contains(call.state) { return false }
        if let instanceID, call.instanceID != instanceID { return false }
        if let direction, call.direction != direction { return false }
        if let after, (call.createdAt, call.id) <= (after.createdAt, after.id) { return false }
        return true
    }

    public static func == (lhs: CallFilter, rhs: CallFilter) -> Bool {
        lhs.tenantID == rhs.tenantID && lhs.states == rhs.states && lhs.instanceID == rhs.instanceID && lhs.direction == rhs.direction
            && lhs.after?.createdAt == rhs.after?.createdAt && lhs.after?.id == rhs.after?.id && lhs.limit == rhs.limit
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(tenantID)
        hasher.combine(states)
        hasher.combine(instanceID)
        hasher.combine(direction)
        hasher.combine(after?.createdAt)
        hasher.combine(after?.id)
        hasher.combine(limit)
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
