// kafka-mock-cluster: runs librdkafka's in-process mock Kafka cluster (real Kafka protocol over TCP on
// loopback) as a separate process for the integration tests.
//
// Usage: kafka-mock-cluster [--brokers N] [--topic NAME] [--partitions P]
// Prints the bootstrap servers on the first stdout line, then reads commands on stdin, one per line,
// answering each with `ok` (or `error ...`): `down` (all brokers refuse connections), `up`, `quit`.
// End of input is `quit`.
import CRdKafka
import Glibc

/// Writes a line to stdout unbuffered (the test reads it through a pipe).
func say(_ line: String) {
    let text = line + "\n"
    _ = text.withCString { write(1, $0, strlen($0)) }
}

/// Writes a line to stderr.
func complain(_ line: String) {
    let text = line + "\n"
    _ = text.withCString { write(2, $0, strlen($0)) }
}

var brokerCount: Int32 = 3
var topic = "voicegw.call-events"
var partitions: Int32 = 4
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--brokers": brokerCount = Int32(arguments.next() ?? "") ?? brokerCount
    case "--topic": topic = arguments.next() ?? topic
    case "--partitions": partitions = Int32(arguments.next() ?? "") ?? partitions
    default:
        complain("usage: kafka-mock-cluster [--brokers N] [--topic NAME] [--partitions P]")
        exit(2)
    }
}

var errorText = [CChar](repeating: 0, count: 512)
let conf = rd_kafka_conf_new()
// The mock cluster needs a client instance for its bookkeeping; it is never used to produce.
rd_kafka_conf_set(conf, "log_level", "3", &errorText, errorText.count)
guard let handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &errorText, errorText.count) else {
    complain("error creating the client: \(String(cString: errorText))")
    exit(1)
}
guard let cluster = rd_kafka_mock_cluster_new(handle, brokerCount) else {
    complain("error: rd_kafka_mock_cluster_new failed")
    exit(1)
}
let created = rd_kafka_mock_topic_create(cluster, topic, partitions, min(brokerCount, 3))
if created != RD_KAFKA_RESP_ERR_NO_ERROR {
    complain("error creating topic \(topic): \(String(cString: rd_kafka_err2str(created)))")
    exit(1)
}
say(String(cString: rd_kafka_mock_cluster_bootstraps(cluster)))

func setAll(_ cluster: OpaquePointer, _ brokerCount: Int32, up: Bool) -> rd_kafka_resp_err_t {
    var result = RD_KAFKA_RESP_ERR_NO_ERROR
    for broker in 1...brokerCount {
        let err = up ? rd_kafka_mock_broker_set_up(cluster, broker) : rd_kafka_mock_broker_set_down(cluster, broker)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { result = err }
    }
    return result
}

while let line = readLine() {
    let command = line.trimmingCharacters(in: " \t\r")
    switch command {
    case "down", "up":
        let err = setAll(cluster, brokerCount, up: command == "up")
        say(err == RD_KAFKA_RESP_ERR_NO_ERROR ? "ok" : "error \(String(cString: rd_kafka_err2str(err)))")
    case "quit": break
    case "": continue
    default: say("error unknown command '\(command)'")
    }
    if command == "quit" { break }
}
rd_kafka_mock_cluster_destroy(cluster)
rd_kafka_destroy(handle)
say("ok")

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let c = s.first, set.contains(c) { s.removeFirst() }
        while let c = s.last, set.contains(c) { s.removeLast() }
        return String(s)
    }
}
