/// The state of a dependency, as `/ready` reports it.
public enum DependencyState: String, Sendable, Hashable, Codable {
    case connected, disconnected, degraded, ok
    /// Shutting down: live calls go on, new ones are refused.
    case draining
    /// Whether the daemon can take calls with the dependency in this state.
    public var isReady: Bool { self != .disconnected && self != .draining }
}

/// Something whose health `/ready` reports (ARI, Redis, Kafka...).
public protocol HealthReporting: Sendable {
    /// The name in the `/ready` body (`ari`, `redis`, `kafka`).
    var dependencyName: String { get }
    /// The state now.
    func dependencyState() async -> DependencyState
    /// Whether `/ready` needs this dependency ready (false: shown for information, e.g. one server of
    /// several, whose pool reports for them all). True unless said otherwise.
    var gatesReadiness: Bool { get }
}

extension HealthReporting {
    public var gatesReadiness: Bool { true }
}
