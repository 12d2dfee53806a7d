import Foundation
import Testing
import TestSupport

/// Every metric the docs name is on `/metrics`, and every metric on `/metrics` is documented
/// (docs/metrics.md, the README, the other docs and the sample alert rules are searched for `voicegw_` names).
@Suite("Documented metrics are served", .serialized)
struct MetricsDocumentationTests {
    /// The `voicegw_*` names the documentation mentions.
    static func documentedNames() throws -> Set<String> {
        let root = DaemonHarness.root
        let docs = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("docs").path)
            .filter { $0.hasSuffix(".md") }.map { "docs/" + $0 } + ["README.md", "etc/prometheus/voicegatewayd-alerts.yml"]
        var names: Set<String> = []
        for path in docs {
            let text = try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
            names.formUnion(Self.names(in: text))
        }
        return names
    }

    static func names(in text: String) -> Set<String> {
        Set(text.matches(of: /voicegw_[a-z0-9_]+/).map { String($0.output) })
    }

    /// Metric family names of a Prometheus text scrape (its `# TYPE` lines).
    static func scrapedNames(_ body: String) -> Set<String> {
        Set(body.split(separator: "\n").compactMap { line -> String? in
            let parts = line.split(separator: " ")
            guard parts.count >= 3, parts[0] == "#", parts[1] == "TYPE" else { return nil }
            return String(parts[2])
        })
    }

    @Test(.enabled(if: ExternalBinary.packageProduct("kafka-mock-cluster") != nil))
    func everyDocumentedMetricIsScrapedAndEveryScrapedOneDocumented() async throws {
        let cluster = try #require(try KafkaMockClusterProcess())
        defer { cluster.quit() }
        let spool = FileManager.default.temporaryDirectory.appendingPathComponent("vgw-metrics-spool-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: spool) }
        // Every optional part that has metrics: Kafka, the AMI fallback.
        let fake = FakeAsterisk()
        let amiPort = try await fake.startAMI(secret: "ami-secret")
        let harness = try await DaemonHarness.start(environment: [
            "VOICEGW_EVENTS_KAFKA_BROKERS": cluster.bootstrapServers, "VOICEGW_EVENTS_SPOOL_DIR": spool,
            "VOICEGW_AMI_HOST": "127.0.0.1", "VOICEGW_AMI_PORT": "\(amiPort)", "VOICEGW_AMI_SECRET": "ami-secret",
        ], fake: fake)
        let scrape = try await harness.get("/metrics")
        #expect(scrape.status == 200)
        let scraped = Self.scrapedNames(scrape.body)
        let documented = try Self.documentedNames()
        #expect(documented.count >= 20, "docs name only \(documented.sorted())")
        let missing = documented.subtracting(scraped).sorted()
        #expect(missing.isEmpty, "documented but not on /metrics: \(missing)")
        let undocumented = scraped.filter { $0.hasPrefix("voicegw_") }.subtracting(documented).sorted()
        #expect(undocumented.isEmpty, "on /metrics but not documented: \(undocumented)")
        try await harness.stop()
    }

    @Test func theNameParsersFindWhatTheyShould() {
        #expect(Self.names(in: "see `voicegw_calls_total{direction}` and voicegw_x_y.") == ["voicegw_calls_total", "voicegw_x_y"])
        let body = "# HELP a b\n# TYPE voicegw_active_calls gauge\nvoicegw_active_calls 0\n# TYPE other_total counter\n"
        #expect(Self.scrapedNames(body) == ["voicegw_active_calls", "other_total"])
    }
}
