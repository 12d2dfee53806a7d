import Application
import Foundation
import ManagementAPI
import Testing
import TestSupport

@testable import VoiceGatewayd

/// `redaction.patterns_file`: parsing, and the patterns at work in a call (transcript, events).
@Suite("Configured redaction patterns", .serialized)
struct RedactionPatternsTests {
    static let sample = DaemonHarness.root.appendingPathComponent("etc/redaction-patterns.txt").path

    @Test func theSampleParsesAndMasksWhatItNames() throws {
        let patterns = try RedactionPatternsFile.load(Self.sample)
        #expect(patterns.count == 2)
        // Every test configures the same sample: tests running side by side agree on the process-wide set.
        try RedactionPatterns.configure(patterns)
        #expect(Redactor.redact("my SSN is 123-45-6789, mail jane.doe@example.com") == "my SSN is [redacted], mail [redacted]")
        #expect(Redactor.redact("card 4111 1111 1111 1111") == "card **** **** **** 1111", "card numbers as before")
    }

    @Test(arguments: [
        ("# comment\n\n[unclosed\n", "line 3: not a regular expression"),
        ("a*\n", "line 1: matches the empty string"),
    ])
    func badPatternsNameTheirLine(text: String, message: String) {
        do {
            _ = try RedactionPatternsFile.parse(text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.key == "redaction.patterns_file" && error.message.hasPrefix(message), "\(error.message)")
        }
    }

    @Test func anAgentsReplyIsMaskedInTheTranscriptAndTheEvents() async throws {
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("vgw-redact-\(UUID().uuidString).yaml")
        try """
            greeting: "Hello."
            intents:
              - name: mail
                match: ["mail"]
                dtmf: "1"
                reply: "I sent it to jane.doe@example.com and noted 123-45-6789."
            """.write(to: script, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: script) }
        let harness = try await DaemonHarness.start(environment: [
            "VOICEGW_AGENT_SCRIPT": script.path, "VOICEGW_REDACTION_PATTERNS_FILE": Self.sample,
            "VOICEGW_HTTP_AUTH_HS256_SECRET": OperatorAPIEndToEndTests.secret,
        ])
        #expect(try await eventually { try await harness.get("/ready").status == 200 }, "ARI never connected")
        let caller = harness.fake.placeCall()
        #expect(await eventually { harness.events().contains { $0["type"] as? String == "tts.generated" } })
        harness.fake.sendDTMF("1", on: caller)
        let id = harness.events().first?["call_id"] as? String ?? ""
        let token = try await OperatorAPIEndToEndTests.token()
        var transcript = ""
        #expect(try await eventually {
            transcript = try await harness.get("/v1/calls/\(id)/transcript", token: token).body
            return transcript.contains("[redacted]")
        }, "\(transcript)")
        #expect(transcript.contains("I sent it to [redacted] and noted [redacted]."))
        #expect(!transcript.contains("example.com") && !transcript.contains("6789"))
        harness.fake.hangupCaller(caller)
        #expect(await eventually { harness.events().last?["type"] as? String == "call.ended" })
        // The text of every event's data (ids are random UUIDs: they may hold "45-6789" by chance).
        let texts = harness.events().compactMap { $0["data"] as? [String: Any] }.flatMap { $0.values.compactMap { $0 as? String } }
        #expect(!texts.contains { $0.contains("example.com") || $0.contains("45-6789") }, "\(texts)")
        try await harness.stop()
    }
}
