// bench-state-events: the numbers issue 5 asks for. Human-readable lines first, JSON on the last line.
//   spool throughput (events/s accepted durably) per fsync policy, 100 concurrent calls
//   Redis round trip per call-state update and per save (µs), local redis-server
//   events produced vs consumed across a Kafka outage (mock cluster in a separate process)
import Events
import Foundation

struct Report: Codable {
    var spoolEventsPerSecond: [String: Double] = [:]
    var redisUpdateMicros: [String: Double] = [:]
    var redisSaveMicros: [String: Double] = [:]
    var kafkaOutage: OutageResult?
}

var report = Report()
// (name, policy, concurrent calls, events per call)
let runs: [(String, SpoolConfiguration.FsyncPolicy, Int, Int)] = [
    ("never", .never, 100, 200), ("batch:50", .batch(interval: .milliseconds(50)), 100, 200), ("always", .always, 100, 50),
    ("always,1-call", .always, 1, 500),
]
for (name, policy, calls, perCall) in runs {
    let rate = try await spoolThroughput(policy: policy, calls: calls, eventsPerCall: perCall)
    report.spoolEventsPerSecond[name] = rate.rounded()
    print("spool fsync=\(name): \(Int(rate)) events/s (\(calls) concurrent calls, \(calls * perCall) events)")
}
for appendfsync in ["everysec", "always"] {
    if let redis = try await redisRoundTrip(updates: 5000, appendfsync: appendfsync) {
        report.redisUpdateMicros[appendfsync] = (redis.update * 10).rounded() / 10
        report.redisSaveMicros[appendfsync] = (redis.save * 10).rounded() / 10
        print("redis appendfsync=\(appendfsync): \(report.redisUpdateMicros[appendfsync]!) µs per update (CAS script on the cached copy), \(report.redisSaveMicros[appendfsync]!) µs per save")
    } else {
        print("redis: skipped (redis-server not found)")
    }
}
if let outage = try await kafkaOutage(calls: 100, eventsPerCall: 12, outage: .seconds(3)) {
    report.kafkaOutage = outage
    print("kafka outage: produced \(outage.produced), consumed \(outage.consumed) (unique \(outage.unique), missing \(outage.missing)), drained \(String(format: "%.2f", outage.drainSecondsAfterUp)) s after the brokers came back")
} else {
    print("kafka outage: skipped (kafka-mock-cluster not built)")
}
let encoder = JSONEncoder()
encoder.outputFormatting = [.sortedKeys]
print(String(decoding: try encoder.encode(report), as: UTF8.self))
