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

extension CallQueries {
    /// One page of a listing: the calls, and the cursor of the next page (nil: this was the last).
    public struct Page: Sendable {
        public let calls: [Call]
        public let nextCursor: String?
    }

    /// Why a cursor was refused.
    public struct BadCursor: Error, Sendable {}

    /// The calls of `tenant` in creation order, `limit` at a time, after `cursor` (from a previous page).
    public func list(
        tenant: TenantID, states: Set<CallState>?, direction: CallDirection?, limit: Int, cursor: String?
    ) async throws -> Page {
        var after: (createdAt: Timestamp, id: CallID)?
        if let cursor {
            guard let decoded = Self.decode(cursor) else { throw BadCursor() }
            after = decoded
        }
        let filter = CallFilter(tenantID: tenant, states: states, direction: direction, after: after, limit: limit + 1)
        let calls = try await repository.list(filter)
        let page = Array(calls.prefix(limit))
        let next = calls.count > limit ? page.last.map { Self.encode($0.createdAt, $0.id) } : nil
        return Page(calls: page, nextCursor: next)
    }

    /// `<creation time in ms>_<call id>`: a position in the listing, so any well-formed cursor is a valid
    /// page start (the OpenAPI document gives its pattern).
    static func encode(_ createdAt: Timestamp, _ id: CallID) -> String {
        "\(createdAt.millisecondsSinceEpoch)_\(id.rawValue)"
    }

    static func decode(_ cursor: String) -> (createdAt: Timestamp, id: CallID)? {
        guard let separator = cursor.firstIndex(of: "_"), let ms = Int64(cursor[..<separator]), ms >= 0,
              cursor[..<separator].count <= 15 else { return nil }
        let id = cursor[cursor.index(after: separator)...]
        guard (1...128).contains(id.count), id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) else { return nil }
        return (Timestamp(millisecondsSinceEpoch: ms), CallID(String(id)))
    }
}
