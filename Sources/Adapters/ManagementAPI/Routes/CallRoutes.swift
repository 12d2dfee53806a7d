import Application
import Domain
import Hummingbird
import Logging

/// `/v1/calls` routes: a call, and its transcript, of the token's tenant.
enum CallRoutes {
    static func add(to group: RouterGroup<APIRequestContext>, queries: CallQueries, logger: Logger) {
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
