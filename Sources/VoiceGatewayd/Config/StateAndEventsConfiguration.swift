import CallState
import Foundation
import Domain
import Events

/// The `call_state:` and `events:` sections: where call documents live (memory or Redis) and where
/// call events go (a JSONL file, or Kafka behind a durable spool).
struct StateAndEventsConfiguration: Sendable {
    /// Redis settings, or nil for the in-memory repository.
    var redis: RedisConfiguration?
    var heartbeatTTL: Duration
    /// Kafka settings, or nil to write `eventsFile`.
    var kafka: KafkaConfiguration?
    var spool: SpoolConfiguration
    var eventsFile: String

    init(_ r: ConfigReader) throws(ConfigError) {
        eventsFile = try r.nonEmpty("events.file")
        heartbeatTTL = .seconds(try r.int("call_state.heartbeat_ttl_s", in: 3...3600))
        switch try r.oneOf("call_state.backend", ["memory", "redis"]) {
        case "redis":
            let url = try r.secret("call_state.redis_url")
            let endpoint: RedisEndpoint
            do { endpoint = try RedisEndpoint(url: url) } catch {
                throw ConfigError(key: error.key, message: error.reason)
            }
            redis = RedisConfiguration(
                endpoint: endpoint, endedTTL: .seconds(try r.int("call_state.ended_ttl_s", in: 1...2_592_000)),
                cacheTTL: .seconds(try r.int("call_state.cache_ttl_s", in: 1...86_400)))
        default:
            redis = nil
        }
        let fsyncText = try r.nonEmpty("events.spool.fsync")
        let fsync: SpoolConfiguration.FsyncPolicy
        do { fsync = try .init(parsing: fsyncText) } catch {
            throw ConfigError(key: "events.spool.fsync", message: "must be always, batch, batch:<ms> or never (got '\(fsyncText)')")
        }
        spool = SpoolConfiguration(
            directory: try r.nonEmpty("events.spool.dir"), maxBytes: try r.int("events.spool.max_mib", in: 1...1_048_576) << 20, fsync: fsync)
        let brokers = try r.string("events.kafka.brokers").trimmingCharacters(in: .whitespaces)
        if brokers.isEmpty {
            kafka = nil
        } else {
            let kafka = KafkaConfiguration(
                brokers: brokers, topic: try r.nonEmpty("events.kafka.topic"), properties: r.values(below: "events.kafka.properties."))
            do { try kafka.validate() } catch { throw ConfigError(key: error.key, message: error.reason) }
            self.kafka = kafka
        }
    }
}
