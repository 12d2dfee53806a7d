import Hummingbird

/// Lets a `/v1` request through only with a verified token (sets `context.principal`); 503 while no key
/// is configured, so the API never runs open.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let authenticator: APIAuthenticator

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        switch await authenticator.authenticate(request.headers[.authorization]) {
        case .success(let principal):
            var context = context
            context.principal = principal
            return try await next(request, context)
        case .failure(let error):
            throw error
        }
    }
}

extension APIRequestContext {
    /// The caller, who must hold `scope` (403 otherwise).
    func principal(requiring scope: APIScope) throws(APIError) -> APIPrincipal {
        guard let principal else { throw APIError.unauthorized("a bearer token is required") }
        guard principal.allows(scope) else {
            throw APIError.forbidden("the token lacks the \(scope.rawValue) scope")
        }
        return principal
    }
}
