import CRdKafka

/// Settings of the Kafka publisher (`events.kafka.*`).
public struct KafkaConfiguration: Sendable, Hashable {
    /// `bootstrap.servers`: `host:port[,host:port...]` (`events.kafka.brokers`; empty means JSONL file).
    public var brokers: String
    /// The topic (`events.kafka.topic`).
    public var topic: String
    /// librdkafka properties passed through as they are (`events.kafka.properties`), e.g.
    /// `security.protocol`, `sasl.mechanisms`, `ssl.ca.location`. They override the defaults below,
    /// except that `enable.idempotence` and `acks` cannot be weakened.
    public var properties: [String: String]
    /// How many spooled events may be in flight to Kafka at once.
    public var inFlightLimit: Int
    /// How long shutdown waits for in-flight events before leaving them in the spool.
    public var shutdownTimeout: Duration

    /// The producer settings the delivery promise rests on: idempotent (no duplicates or reordering
    /// from retries), all in-sync replicas acknowledge, and no local timeout (an unreachable broker
    /// keeps events queued and spooled instead of failing them).
    public static let defaultProperties: [String: String] = [
        "enable.idempotence": "true", "acks": "all", "message.timeout.ms": "0", "linger.ms": "5",
        "client.id": "voicegatewayd", "socket.keepalive.enable": "true", "reconnect.backoff.max.ms": "2000",
    ]

    public init(
        brokers: String, topic: String = "voicegw.call-events", properties: [String: String] = [:],
        inFlightLimit: Int = 10_000, shutdownTimeout: Duration = .seconds(5)
    ) {
        self.brokers = brokers
        self.topic = topic
        self.properties = properties
        self.inFlightLimit = inFlightLimit
        self.shutdownTimeout = shutdownTimeout
    }

    /// Why the configuration was refused; the message names the key.
    public struct Invalid: Error, Hashable, Sendable, CustomStringConvertible {
        public let key: String
        public let reason: String
        public var description: String { "\(key): \(reason)" }
    }

    /// The librdkafka properties in the order they are applied.
    var effectiveProperties: [(String, String)] {
        var merged = Self.defaultProperties
        for (name, value) in properties where !["enable.idempotence", "acks", "bootstrap.servers"].contains(name) {
            merged[name] = value
        }
        merged["bootstrap.servers"] = brokers
        return merged.sorted { $0.key < $1.key }
    }

    /// Checks the brokers list, the topic and that librdkafka accepts every property, without
    /// connecting (for `check-config`). Keys in errors: `events.kafka.brokers`, `events.kafka.topic`,
    /// `events.kafka.properties.<name>`.
    public func validate() throws(Invalid) {
        let conf = try makeConf()
        rd_kafka_conf_destroy(conf)
    }

    /// A librdkafka configuration with every property applied.
    func makeConf() throws(Invalid) -> OpaquePointer {
        for server in brokers.split(separator: ",", omittingEmptySubsequences: false) {
            let trimmed = server.trimmingSpaces
            guard let colon = trimmed.lastIndex(of: ":"), !trimmed[..<colon].isEmpty,
                let port = Int(trimmed[trimmed.index(after: colon)...]), (1...65535).contains(port)
            else { throw Invalid(key: "events.kafka.brokers", reason: "'\(server)' is not host:port") }
        }
        guard !topic.isEmpty, topic.count <= 249, topic.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) else {
            throw Invalid(key: "events.kafka.topic", reason: "'\(topic)' is not a valid topic name")
        }
        for name in ["enable.idempotence", "acks"] where properties[name] != nil && properties[name] != Self.defaultProperties[name] {
            throw Invalid(key: "events.kafka.properties.\(name)", reason: "cannot be changed: the delivery promise needs \(Self.defaultProperties[name]!)")
        }
        let conf = rd_kafka_conf_new()!
        var errorText = [CChar](repeating: 0, count: 512)
        for (name, value) in effectiveProperties {
            if rd_kafka_conf_set(conf, name, value, &errorText, errorText.count) != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                let key = name == "bootstrap.servers" ? "events.kafka.brokers" : "events.kafka.properties.\(name)"
                throw Invalid(key: key, reason: cString(errorText))
            }
        }
        return conf
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var s = self
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return s
    }
}

/// The text in a NUL-terminated C buffer.
func cString(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
