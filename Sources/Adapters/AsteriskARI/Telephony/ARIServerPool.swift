import Domain
import Logging
import ServiceLifecycle
import Synchronization

/// The `Telephony` port over several Asterisk servers (`ari.servers`): one `ARITelephony` per server,
/// each with its own events connection, reconnects and `/ready` entry (`ari:<name>`), behind one port.
/// Every request goes to the server that has the channel, bridge or recording (`ARIServerRoutes`); the
/// events of all servers come out of one stream with the ids the daemon sees; outbound calls go out
/// through the first connected server, in configuration order.
///
/// `/ready` reports `ari` connected when every server is, degraded when some are (the daemon serves
/// the calls of those), disconnected when none is; the per-server entries do not gate readiness.
public final class ARIServerPool: Telephony, HealthReporting, Service {
    public let dependencyName = "ari"
    /// The servers, in configuration order (their `configuration.name` is set).
    public let servers: [ARITelephony]
    let routes: Mutex<ARIServerRoutes>
    private let stream: AsyncStream<TelephonyEvent>
    private let continuation: AsyncStream<TelephonyEvent>.Continuation
    let logger: Logger

    /// `servers` must have distinct, non-empty names.
    public init(servers: [ARITelephony], logger: Logger) {
        precondition(Set(servers.map(\.configuration.name)).count == servers.count && servers.allSatisfy { !$0.configuration.name.isEmpty })
        self.servers = servers
        self.routes = Mutex(ARIServerRoutes(names: servers.map(\.configuration.name)))
        self.logger = logger
        (stream, continuation) = AsyncStream.makeStream(of: TelephonyEvent.self, bufferingPolicy: .unbounded)
    }

    public func events() -> AsyncStream<TelephonyEvent> { stream }

    /// Connected while any server is: calls go on on the servers that are up.
    public func connectionState() async -> TelephonyConnectionState {
        for server in servers where await server.connectionState() == .connected { return .connected }
        return .disconnected
    }

    public func dependencyState() async -> DependencyState {
        var up = 0
        for server in servers where await server.connectionState() == .connected { up += 1 }
        return up == servers.count ? .connected : up == 0 ? .disconnected : .degraded
    }

    /// The per-server health entries (`ari:<name>`), for `/ready`.
    public var serverHealth: [any HealthReporting] { servers }

    /// Runs every server's events connection and merges their events, until graceful shutdown.
    public func run() async throws {
        await withDiscardingTaskGroup { group in
            for (index, server) in servers.enumerated() {
                group.addTask { try? await server.run() }
                let events = server.events()
                group.addTask { [self] in
                    for await event in events { continuation.yield(map(event, from: index)) }
                }
            }
        }
        continuation.finish()
    }

    /// An event of server `index` with the ids the daemon sees.
    func map(_ event: TelephonyEvent, from index: Int) -> TelephonyEvent {
        routes.withLock { $0.map(event, from: index) }
    }

    /// The server that has `id`, and its own id there.
    func route(_ id: String) -> (index: Int, server: ARITelephony, raw: String)? {
        routes.withLock { $0.route(id) }.map { ($0.server, servers[$0.server], $0.raw) }
    }

    /// Like `route`, or a `badRequest` naming the id.
    func server(for id: String) throws(ProviderError) -> (index: Int, server: ARITelephony, raw: String) {
        guard let found = route(id) else {
            throw ProviderError(.badRequest, provider: "ari", "no Asterisk server of ari.servers has \(id)")
        }
        return found
    }
}
