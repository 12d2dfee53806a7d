import Domain
import Logging
import ServiceLifecycle

/// Keeps this instance's heartbeat alive in an `InstanceRegistry` (every third of `ttl`) and removes
/// it on graceful shutdown, so that peers only take over the calls of instances that really died.
public struct InstanceHeartbeatService: Service {
    private let registry: any InstanceRegistry
    private let instance: InstanceID
    private let ttl: Duration
    private let clock: any Domain.Clock
    private let logger: Logger

    /// `ttl` is how long the heartbeat counts; 15 s means a crashed instance is noticed within 15 s.
    public init(registry: any InstanceRegistry, instance: InstanceID, ttl: Duration = .seconds(15), clock: any Domain.Clock, logger: Logger) {
        self.registry = registry
        self.instance = instance
        self.ttl = ttl
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var failing = false
            while !Task.isCancelled {
                do {
                    try await registry.heartbeat(instance, ttl: ttl)
                    if failing { logger.info("instance heartbeat restored") }
                    failing = false
                } catch {
                    if !failing { logger.warning("instance heartbeat failed", metadata: ["error": "\(error)"]) }
                    failing = true
                }
                do { try await clock.sleep(for: ttl / 3) } catch { break }
            }
        }
        do { try await registry.remove(instance) } catch {
            logger.warning("instance not removed from the registry", metadata: ["error": "\(error)"])
        }
    }
}
