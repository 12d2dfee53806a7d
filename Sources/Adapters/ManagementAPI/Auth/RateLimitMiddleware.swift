import Domain
import Hummingbird

/// Each tenant's `/v1` requests through a token bucket (`http.rate_limit.*`): over it, 429 with
/// `Retry-After` (whole seconds, at least 1). Runs after authentication, so the key is the token's tenant.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let limiter: any RateLimiter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let tenant = context.principal?.tenantID else { return try await next(request, context) }
        guard let wait = await limiter.take(tenant.rawValue) else { return try await next(request, context) }
        let seconds = max(1, Int(wait.seconds.rounded(.up)))
        throw APIError(.tooManyRequests, "rate_limited", "too many requests for this tenant; retry in \(seconds) s", details: ["retry_after_s": "\(seconds)"])
    }
}
