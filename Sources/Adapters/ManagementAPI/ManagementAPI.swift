import Domain
import Foundation
import Hummingbird
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle

/// The management HTTP API: liveness, readiness and metrics (calls, auth and rate limits come with the
/// operator API).
public enum ManagementAPI {
    /// Where the API listens.
    public struct Configuration: Sendable, Hashable {
        public var host: String
        /// 0 picks a free port (tests); the bound port is reported through `onRunning`.
        public var port: Int

        public init(host: String = "127.0.0.1", port: Int = 8080) {
            self.host = host
            self.port = port
        }
    }

    /// Builds the HTTP server as a `Service` for the daemon's service group.
    /// `onRunning` receives the bound port once the server accepts connections.
    public static func makeServer(
        configuration: Configuration, dependencies: [any HealthReporting], registry: PrometheusCollectorRegistry,
        logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> any Service {
        let router = Router()
        addHealthRoutes(to: router, dependencies: dependencies, registry: registry)
        return Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "voicegatewayd"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? configuration.port) },
            logger: logger)
    }

    static func addHealthRoutes(to router: Router<BasicRequestContext>, dependencies: [any HealthReporting], registry: PrometheusCollectorRegistry) {
        router.get("health") { _, _ in
            json(.ok, ["status": "ok"])
        }
        router.get("ready") { _, _ in
            var states: [String: String] = [:]
            var ready = true
            for dependency in dependencies {
                let state = await dependency.dependencyState()
                states[dependency.dependencyName] = state.rawValue
                ready = ready && state.isReady
            }
            return json(ready ? .ok : .serviceUnavailable, ["status": ready ? "ready" : "not_ready", "dependencies": states])
        }
        router.get("metrics") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
    }

    static func json(_ status: HTTPResponse.Status, _ body: [String: any Sendable]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data("{}".utf8)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
