import Application
import Domain
import Foundation
import Hummingbird
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle

/// The management HTTP API: liveness, readiness and metrics, and the operator API under `/v1`
/// (bearer JWT on every request, a tenant sees only its own calls).
public enum ManagementAPI {
    /// What the `/v1` routes need.
    public struct Operator: Sendable {
        public var authenticator: APIAuthenticator
        public var queries: CallQueries
        public var commands: any CallCommands
        /// Each tenant's request budget (nil: no limit).
        public var limiter: (any RateLimiter)?
        /// The live feed behind `GET /v1/events` (nil: the route answers 503).
        public var feed: CallFeed?
        /// Paces the event stream's keep-alive comments.
        public var clock: any Domain.Clock
        /// An idle event stream gets a comment this often.
        public var keepAlive: Duration = .seconds(15)

        public init(
            authenticator: APIAuthenticator, queries: CallQueries, commands: any CallCommands, limiter: (any RateLimiter)? = nil,
            feed: CallFeed? = nil, clock: any Domain.Clock = SystemClock()
        ) {
            self.authenticator = authenticator
            self.queries = queries
            self.commands = commands
            self.limiter = limiter
            self.feed = feed
            self.clock = clock
        }
    }

    /// Where the API listens.
    public struct Configuration: Sendable, Hashable {
        public var host: String
        /// 0 picks a free port (tests); the bound port is reported through `onRunning`.
        public var port: Int
        /// `/metrics` and `/ready` answer any peer (false: loopback peers only).
        public var metricsPublic: Bool

        public init(host: String = "127.0.0.1", port: Int = 8080, metricsPublic: Bool = false) {
            self.host = host
            self.port = port
            self.metricsPublic = metricsPublic
        }
    }

    /// Builds the HTTP server as a `Service` for the daemon's service group.
    /// `onRunning` receives the bound port once the server accepts connections.
    public static func makeServer(
        configuration: Configuration, dependencies: [any HealthReporting], registry: PrometheusCollectorRegistry,
        operator: Operator? = nil, logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> any Service {
        Application(
            router: makeRouter(
                dependencies: dependencies, registry: registry, operator: `operator`, metricsPublic: configuration.metricsPublic, logger: logger),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "voicegatewayd"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? configuration.port) },
            logger: logger)
    }

    /// The routes: `/health`, `/ready`, `/metrics`, and `/v1` behind bearer tokens. Without `operator`,
    /// every `/v1` request is answered 503 (no keys: the API never runs open).
    public static func makeRouter(
        dependencies: [any HealthReporting], registry: PrometheusCollectorRegistry, operator: Operator?, metricsPublic: Bool = true,
        logger: Logger
    ) -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        router.add(middleware: RequestIDMiddleware(logger: logger))
        if !metricsPublic { router.add(middleware: LoopbackOnlyMiddleware()) }
        addHealthRoutes(to: router, dependencies: dependencies, registry: registry)
        ConsoleRoutes.add(to: router)
        let authenticator = `operator`?.authenticator ?? APIAuthenticator(keys: .none, clock: SystemClock())
        let v1 = router.group("v1").add(middleware: AuthMiddleware(authenticator: authenticator))
        if let limiter = `operator`?.limiter { v1.add(middleware: RateLimitMiddleware(limiter: limiter)) }
        if let `operator` {
            CallRoutes.add(to: v1, queries: `operator`.queries, logger: logger)
            CommandRoutes.add(to: v1, commands: `operator`.commands)
            OriginateRoute.add(to: v1, commands: `operator`.commands)
            if let feed = `operator`.feed {
                EventStreamRoute.add(to: v1, feed: feed, clock: `operator`.clock, keepAlive: `operator`.keepAlive)
            } else {
                v1.get("events") { _, context -> Response in
                    _ = try context.principal(requiring: .callsRead)
                    throw APIError(.serviceUnavailable, "events_unavailable", "this instance has no live feed")
                }
            }
        }
        // Any other path or method under /v1 is authenticated first, then not found (or not allowed):
        // nothing is told without a token.
        for method in [HTTPRequest.Method.get, .post, .put, .patch, .delete] {
            v1.on("**", method: method) { request, _ -> Response in
                throw KnownRoutes.methodNotAllowed(request.method, request.uri.path) ?? APIError.notFound
            }
        }
        return router
    }

    static func addHealthRoutes(to router: Router<APIRequestContext>, dependencies: [any HealthReporting], registry: PrometheusCollectorRegistry) {
        router.get("health") { _, _ in
            json(.ok, ["status": "ok"])
        }
        router.get("ready") { _, _ in
            var states: [String: String] = [:]
            var ready = true
            for dependency in dependencies {
                let state = await dependency.dependencyState()
                states[dependency.dependencyName] = state.rawValue
                if dependency.gatesReadiness { ready = ready && state.isReady }
            }
            return json(ready ? .ok : .serviceUnavailable, ["status": ready ? "ready" : "not_ready", "dependencies": states])
        }
        router.get("openapi.json") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
        router.get("metrics") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
    }

    static func json(_ status: HTTPResponse.Status, _ body: [String: any Sendable]) -> Response {
        JSONBody.response(status, body)
    }
}

