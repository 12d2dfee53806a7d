@testable import AsteriskARI
import Domain
import Foundation
import Logging
import Metrics
import Testing
import TestSupport

/// The events a real Asterisk 22.10.1 sent for outbound calls (Local channels to `Busy()`, `Ringing()`,
/// `Congestion()`, `Hangup(21)`, a DELETE while ringing, an unroutable extension), replayed through the
/// ARI adapter: each dial ends in one `channelDestroyed` of the originated channel, with the cause and the
/// dial's last status that tell the outcome (`DialOutcome` in the call service reads them).
@Suite("Outbound calls as Asterisk 22.10.1 reported them")
struct OriginateCaptureTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/asterisk-22.10.1/originate")

    /// The raw event frames of a capture and the channel id the originate asked for.
    static func capture(_ name: String) throws -> (frames: [String], channel: String) {
        let text = try String(contentsOf: folder.appendingPathComponent("\(name).jsonl"), encoding: .utf8)
        var frames: [String] = []
        var channel = ""
        for line in text.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            if object["kind"] as? String == "event", let raw = object["raw"] as? String { frames.append(raw) }
            if object["kind"] as? String == "http", channel.isEmpty, let url = object["url"] as? String,
                let id = URLComponents(string: url)?.queryItems?.first(where: { $0.name == "channelId" })?.value {
                channel = id
            }
        }
        return (frames, channel)
    }

    @Test(arguments: [
        ("b_busy", 0, "BUSY"), ("c_noanswer_timeout", 19, "RINGING"), ("d_congestion", 0, "CONGESTION"), ("e_reject21", 21, "NOANSWER"),
        ("f_cancel", 16, "NOANSWER"), ("g_nonexistent", 0, nil),
    ] as [(String, Int, String?)])
    func aDialEndsInOneDestroyedEventWithItsCauseAndStatus(file: String, cause: Int, status: String?) async throws {
        let (frames, channel) = try Self.capture(file)
        #expect(!channel.isEmpty && !frames.isEmpty)
        let telephony = ARITelephony(
            configuration: .init(url: URL(string: "http://127.0.0.1:1")!, username: "u", password: "p", app: "voicegw"),
            clock: TestClock(), metricsFactory: NOOPMetricsHandler.instance, logger: Logger(label: "originate-capture"))
        for frame in frames { telephony.handle(frame) }
        telephony.continuation.finish()
        var destroyed: [(Int?, String?)] = []
        var entered = false
        for await event in telephony.events() {
            switch event {
            case .channelDestroyed(let id, let c, let s) where id.rawValue == channel: destroyed.append((c, s))
            case .channelEntered(let incoming) where incoming.id.rawValue == channel: entered = true
            default: break
            }
        }
        #expect(!entered)
        #expect(destroyed.count == 1)
        #expect(destroyed.first?.0 == cause)
        #expect(destroyed.first?.1 == status)
    }

    @Test func anAnsweredDialEntersUpWithItsArguments() async throws {
        let (frames, channel) = try Self.capture("a_answer")
        let telephony = ARITelephony(
            configuration: .init(url: URL(string: "http://127.0.0.1:1")!, username: "u", password: "p", app: "voicegw"),
            clock: TestClock(), metricsFactory: NOOPMetricsHandler.instance, logger: Logger(label: "originate-capture"))
        for frame in frames { telephony.handle(frame) }
        telephony.continuation.finish()
        var entered: IncomingChannel?
        for await event in telephony.events() {
            if case .channelEntered(let incoming) = event, incoming.id.rawValue == channel { entered = incoming }
        }
        let channelIn = try #require(entered)
        #expect(channelIn.state == "Up" && !channelIn.isRinging)
        #expect(channelIn.arguments == ["outbound", "abc"])
    }
}
