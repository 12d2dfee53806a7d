import CallState
import Domain
import Events
import Logging
import Metrics
import ServiceLifecycle

/// The call repository and the event publisher the configuration names, with the services that keep
/// them running (Redis maintenance and heartbeat, the Kafka sender) and what `/ready` reports of them.
struct StateAndEvents: Sendable {
    let repository: any CallRepository
    let publisher: any EventPublisher
    let registry: any InstanceRegistry
    let services: [any Service]
    let health: [any HealthReporting]
    /// The call state's Redis connection, when the state is in Redis: shared limits and idempotency keys use it.
    var redis: RedisConnection?

    static func make(config: DaemonConfiguration, clock: any Domain.Clock, metrics: any MetricsFactory, logger: Logger) throws -> StateAndEvents {
        let settings = config.stateAndEvents
        var services: [any Service] = []
        var health: [any HealthReporting] = []
        let repository: any CallRepository
        let registry: any InstanceRegistry
        var redisConnection: RedisConnection?
        if let redis = settings.redis {
            let store = RedisCallRepository(configuration: redis, clock: clock, logger: logger)
            repository = store
            redisConnection = store.sharedConnection
            registry = RedisInstanceRegistry(connection: RedisConnection(configuration: redis, clock: clock, logger: logger), clock: clock)
            services.append(store)
            health.append(store)
        } else {
            repository = InMemoryCallRepository(clock: clock)
            registry = InMemoryInstanceRegistry(clock: clock)
        }
        services.append(InstanceHeartbeatService(registry: registry, instance: config.instanceID, ttl: settings.heartbeatTTL, clock: clock, logger: logger))

        let publisher: any EventPublisher
        if let kafka = settings.kafka {
            let producer: KafkaEventPublisher
            do {
                producer = try KafkaEventPublisher(
                    configuration: kafka, spool: settings.spool, clock: clock, metricsFactory: metrics, logger: logger)
            } catch {
                throw ConfigError(key: "events.spool.dir", message: "cannot open the event spool: \(error)")
            }
            publisher = producer
            services.append(producer)
            health.append(producer)
        } else {
            publisher = JSONLinesEventPublisher(path: settings.eventsFile, logger: logger)
        }
        return StateAndEvents(
            repository: repository, publisher: publisher, registry: registry, services: services, health: health, redis: redisConnection)
    }
}
