import AsyncHTTPClient
import Domain
import Foundation
import Logging
import ManagementAPI
import Metrics
import NIOCore
import Prometheus
import ServiceLifecycle
import Synchronization
import Testing

/// A dependency whose state the test sets.
final class SwitchableDependency: HealthReporting {
    let dependencyName = "ari"
    let state = Mutex(DependencyState.disconnected)
    func dependencyState() async -> DependencyState { state.withLock { $0 } }
}

@Suite("Management API: health, readiness, metrics")
struct HealthEndpointsTests {
    @Test func healthReadyAndMetricsOverRealHTTP() async throws {
        let ari = SwitchableDependency()
        let registry = PrometheusCollectorRegistry()
        let factory = PrometheusMetricsFactory(registry: registry)
        Gauge(label: "voicegw_active_calls", factory: factory).record(2)
        let (ports, port) = AsyncStream.makeStream(of: Int.self)
        let server = ManagementAPI.makeServer(
            configuration: .init(host: "127.0.0.1", port: 0), dependencies: [ari], registry: registry,
            logger: Logger(label: "test"), onRunning: { port.yield($0) })
        let group = ServiceGroup(services: [server], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            let bound = try #require(await iterator.next())
            let base = "http://127.0.0.1:\(bound)"

            // A failed request must not cancel the server: a connection it accepted but had not served yet
            // would trap in NIO (apple/swift-nio#2813). The server always stops gracefully.
            var failure: (any Error)?
            do {
                let health = try await get(base + "/health")
                #expect(health.status == 200)
                #expect(health.body == #"{"status":"ok"}"#)

                let notReady = try await get(base + "/ready")
                #expect(notReady.status == 503)
                #expect(notReady.body.contains(#""ari":"disconnected""#))

                ari.state.withLock { $0 = .connected }
                let ready = try await get(base + "/ready")
                #expect(ready.status == 200)
                #expect(ready.body.contains(#""ari":"connected""#))

                let metrics = try await get(base + "/metrics")
                #expect(metrics.status == 200)
                #expect(metrics.body.contains("voicegw_active_calls 2"))
            } catch {
                failure = error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            if let failure { throw failure }
        }
    }

    func get(_ url: String) async throws -> (status: UInt, body: String) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (response.status.code, String(buffer: body))
    }
}
