import Application
import Domain
import Hummingbird
import Logging

/// `/v1/calls` routes: the calls, a call, and its transcript, of the token's tenant.
enum CallRoutes {
    static func add(to group: RouterGroup<APIRequestContext>, queries: CallQueries, logger: Logger) {
        group.get("calls") { request, context in
            let principal = try context.principal(requiring: .callsRead)
            let query = try ListQuery(request.uri.queryParameters)
            let page: CallQueries.Page
            do {
                page = try await queries.list(
                    tenant: principal.tenantID, states: query.states, direction: query.direction, limit: query.limit, cursor: query.cursor)
            } catch is CallQueries.BadCursor {
                throw APIError(.unprocessableContent, "invalid_field", "'cursor' is not a cursor this API gave", details: ["field": "cursor"])
            } catch {
                logger.warning("call state unavailable", metadata: ["request.id": "\(context.requestID)", "error": "\(error)"])
                throw APIError(.serviceUnavailable, "state_unavailable", "the call state cannot be read right now")
            }
            var body: [String: Any] = ["calls": page.calls.map { CallJSON.summary($0) }]
            if let next = page.nextCursor { body["next_cursor"] = next }
            return JSONBody.response(.ok, body)
        }
        group.get("calls/:id") { _, context in
            let call = try await lookup(context, queries: queries, logger: logger)
            return JSONBody.response(.ok, CallJSON.call(call))
        }
        group.get("calls/:id/transcript") { _, context in
            let call = try await lookup(context, queries: queries, logger: logger)
            return JSONBody.response(.ok, ["call_id": call.id.rawValue, "lines": CallJSON.transcript(call)])
        }
    }

    /// The call the path names, if the caller may read it (another tenant's call is a 404).
    private static func lookup(_ context: APIRequestContext, queries: CallQueries, logger: Logger) async throws -> Call {
        let principal = try context.principal(requiring: .callsRead)
        guard let id = context.parameters.get("id"), !id.isEmpty, id.count <= 128 else { throw APIError.notFound }
        let found: Call?
        do {
            found = try await queries.call(CallID(id), tenant: principal.tenantID)
        } catch {
            logger.warning("call state unavailable", metadata: ["request.id": "\(context.requestID)", "error": "\(error)"])
            throw APIError(.serviceUnavailable, "state_unavailable", "the call state cannot be read right now")
        }
        guard let call = found else { throw APIError.notFound }
        return call
    }
}

/// The query of `GET /v1/calls`: `state` (comma-separated), `direction`, `limit` (1-100, default 20), `cursor`.
struct ListQuery {
    let states: Set<CallState>?
    let direction: CallDirection?
    let limit: Int
    let cursor: String?

    init(_ parameters: Parameters) throws(APIError) {
        for (name, _) in parameters where !["state", "direction", "limit", "cursor"].contains(String(name)) {
            throw APIError(.badRequest, "unknown_field", "unknown query parameter '\(name.prefix(64))'", details: ["field": String(name.prefix(64))])
        }
        func invalid(_ field: String, _ message: String) -> APIError {
            APIError(.unprocessableContent, "invalid_field", message, details: ["field": field])
        }
        if let text = parameters.get("state") {
            var states = Set<CallState>()
            for part in text.split(separator: ",", omittingEmptySubsequences: false) {
                guard let state = CallState(rawValue: String(part)) else {
                    throw invalid("state", "'state' is a comma-separated list of \(CallState.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                states.insert(state)
            }
            self.states = states
        } else {
            states = nil
        }
        if let text = parameters.get("direction") {
            guard let direction = CallDirection(rawValue: text) else { throw invalid("direction", "'direction' is inbound or outbound") }
            self.direction = direction
        } else {
            direction = nil
        }
        if let text = parameters.get("limit") {
            guard let limit = Int(text), (1...100).contains(limit) else { throw invalid("limit", "'limit' is 1 to 100") }
            self.limit = limit
        } else {
            limit = 20
        }
        if let text = parameters.get("cursor") {
            guard !text.isEmpty else { throw invalid("cursor", "'cursor' is not a cursor this API gave") }
            cursor = text
        } else {
            cursor = nil
        }
    }
}
