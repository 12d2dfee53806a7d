import CRdKafka
import Foundation

/// Reads a whole topic from the beginning with librdkafka's simple (non-group) consumer, on its own
/// thread: the "separate consumer" of the integration tests.
public enum KafkaTestConsumer {
    /// One consumed message.
    public struct Message: Sendable {
        public var partition: Int32
        public var offset: Int64
        public var key: String
        public var value: Data
    }

    /// Every message of `topic` (partitions `0..<partitions`), returned once `expected` messages arrived
    /// or nothing new came for `idle`.
    public static func readAll(bootstrap: String, topic: String, partitions: Int32 = 4, expected: Int, idle: Duration = .seconds(5)) async -> [Message] {
        await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(returning: consume(bootstrap: bootstrap, topic: topic, partitions: partitions, expected: expected, idle: idle))
            }
            thread.start()
        }
    }

    private static func consume(bootstrap: String, topic: String, partitions: Int32, expected: Int, idle: Duration) -> [Message] {
        var errorText = [CChar](repeating: 0, count: 512)
        let conf = rd_kafka_conf_new()
        rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, &errorText, errorText.count)
        rd_kafka_conf_set(conf, "enable.partition.eof", "false", &errorText, errorText.count)
        guard let handle = rd_kafka_new(RD_KAFKA_CONSUMER, conf, &errorText, errorText.count) else { return [] }
        defer { rd_kafka_destroy(handle) }
        guard let rkt = rd_kafka_topic_new(handle, topic, nil) else { return [] }
        defer { rd_kafka_topic_destroy(rkt) }
        for partition in 0..<partitions { rd_kafka_consume_start(rkt, partition, -2 /* RD_KAFKA_OFFSET_BEGINNING */) }
        defer { for partition in 0..<partitions { rd_kafka_consume_stop(rkt, partition) } }
        var messages: [Message] = []
        var lastNew = ContinuousClock.now
        while messages.count < expected && ContinuousClock.now - lastNew < idle {
            for partition in 0..<partitions {
                while let message = rd_kafka_consume(rkt, partition, 20) {
                    defer { rd_kafka_message_destroy(message) }
                    let m = message.pointee
                    guard m.err == RD_KAFKA_RESP_ERR_NO_ERROR else { continue }
                    let key = m.key.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: m.key_len), as: UTF8.self) } ?? ""
                    let value = m.payload.map { Data(bytes: $0, count: m.len) } ?? Data()
                    messages.append(Message(partition: partition, offset: m.offset, key: key, value: value))
                    lastNew = ContinuousClock.now
                }
            }
        }
        return messages
    }
}
