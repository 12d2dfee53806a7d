import Hummingbird
import NIOCore

/// `/metrics` and `/ready` say how the daemon and its calls are doing; unless `http.metrics_public` is
/// set they answer only peers on the loopback interface (403 otherwise), however the API is bound.
struct LoopbackOnlyMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    static let paths: Set<String> = ["/metrics", "/ready"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard Self.paths.contains(request.uri.path), !Self.isLoopback(context.remoteAddress) else {
            return try await next(request, context)
        }
        throw APIError(.forbidden, "forbidden", "\(request.uri.path) answers loopback peers only (http.metrics_public)")
    }

    /// 127.0.0.0/8, ::1 and ::ffff:127.x; an unknown peer is not loopback.
    static func isLoopback(_ address: SocketAddress?) -> Bool {
        guard let ip = address?.ipAddress else { return false }
        return ip.hasPrefix("127.") || ip == "::1" || ip.lowercased().hasPrefix("::ffff:127.")
    }
}
