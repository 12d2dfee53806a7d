import HTTPTypes

/// The API's routes as paths and methods, to tell "no such resource" (404) from "not with this method"
/// (405 with `Allow`); `openapi.json` documents the same list.
enum KnownRoutes {
    private static let routes: [(path: [String], methods: [HTTPRequest.Method])] = [
        (["health"], [.get]), (["ready"], [.get]), (["metrics"], [.get]), (["openapi.json"], [.get]), (["console"], [.get]), (["console", "*"], [.get]), (["v1", "events"], [.get]),
        (["v1", "calls"], [.get, .post]), (["v1", "calls", "*"], [.get]), (["v1", "calls", "*", "transcript"], [.get]),
        (["v1", "calls", "*", "hangup"], [.post]), (["v1", "calls", "*", "say"], [.post]),
        (["v1", "calls", "*", "transfer"], [.post]), (["v1", "calls", "*", "dtmf"], [.post]), (["v1", "calls", "*", "recording", "stop"], [.post]),
    ]

    /// The methods `path` answers to (HEAD with GET), or nil when no route has that path.
    static func methods(for path: String) -> [HTTPRequest.Method]? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard let route = routes.first(where: { route in
            route.path.count == parts.count && zip(route.path, parts).allSatisfy { $0 == "*" || $0 == $1 }
        }) else { return nil }
        return route.methods.contains(.get) ? route.methods + [.head] : route.methods
    }

    /// The 405 for `method` on `path`, when the path exists but not with that method.
    static func methodNotAllowed(_ method: HTTPRequest.Method, _ path: String) -> APIError? {
        guard let methods = methods(for: path), !methods.contains(method) else { return nil }
        return APIError(
            .methodNotAllowed, "method_not_allowed", "\(method.rawValue) is not allowed here",
            details: ["allow": methods.map(\.rawValue).joined(separator: ", ")])
    }
}
