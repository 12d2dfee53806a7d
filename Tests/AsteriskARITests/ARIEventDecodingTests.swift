@testable import AsteriskARI
import Foundation
import Testing

@Suite("ARI events from a real Asterisk 22.10.1")
struct ARIEventDecodingTests {
    static let fixtures: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/asterisk-22.10.1")
    static let files = ["events_audiosocket_ari.jsonl", "events_chan_websocket.jsonl", "events_play_record.jsonl",
                        "events_slin16_playrec.jsonl", "events_ulaw_dtmf.jsonl", "events_ulaw_play.jsonl", "events_ulaw_playrec.jsonl"]

    @Test(arguments: files)
    func everyCapturedEventDecodes(file: String) throws {
        let text = try String(contentsOf: Self.fixtures.appendingPathComponent(file), encoding: .utf8)
        let lines = text.split(separator: "\n").filter { !$0.isEmpty }
        #expect(!lines.isEmpty)
        for line in lines {
            let event = try ARIEvent.decode(String(line))
            if case .unknown(let type) = event { Issue.record("\(file): \(type) decoded as unknown") }
        }
    }

    @Test func callShapeMatchesASTERISKmd() throws {
        let text = try String(contentsOf: Self.fixtures.appendingPathComponent("events_ulaw_dtmf.jsonl"), encoding: .utf8)
        let events = try text.split(separator: "\n").map { try ARIEvent.decode(String($0)) }
        guard case .stasisStart(let caller, let args) = events[0] else { Issue.record("first is not StasisStart"); return }
        #expect(caller.state == "Ring")
        #expect(args.isEmpty)
        #expect(caller.dialplan?.exten == "100")
        let digits = events.compactMap { event -> String? in
            if case .channelDtmfReceived(_, let digit, let ms) = event, ms == 100 { return digit }
            return nil
        }
        #expect(digits == ["1", "2", "#"])
        let hangup = events.first { if case .channelHangupRequest = $0 { return true } else { return false } }
        guard case .channelHangupRequest(_, let cause, let soft) = hangup else { Issue.record("no hangup"); return }
        #expect(cause == 16)
        #expect(!soft)
    }

    @Test func unknownAndMalformedEvents() throws {
        #expect(try ARIEvent.decode(#"{"type":"EndpointStateChange","endpoint":{}}"#) == .unknown(type: "EndpointStateChange"))
        #expect(throws: (any Error).self) { try ARIEvent.decode("not json") }
        #expect(throws: (any Error).self) { try ARIEvent.decode(#"{"type":"StasisStart"}"#) }
        #expect(throws: (any Error).self) { try ARIEvent.decode(#"{"channel":{}}"#) }
    }
}

@Suite("Reconnect backoff")
struct ReconnectBackoffTests {
    @Test func growsExponentiallyWithJitterAndCap() {
        var backoff = ReconnectBackoff()
        #expect(backoff.ceiling == .milliseconds(250))
        #expect(backoff.failed { 1.0 } == .milliseconds(250))
        #expect(backoff.ceiling == .milliseconds(500))
        #expect(backoff.failed { 0.5 } == .milliseconds(250))
        for _ in 0..<20 { _ = backoff.failed { 0.99 } }
        #expect(backoff.ceiling == .seconds(30))
        #expect(backoff.failed { 1.0 } == .seconds(30))
        // Never zero, even with a zero draw.
        #expect(backoff.failed { 0 } == .milliseconds(10))
    }

    @Test func aStableConnectionResets() {
        var backoff = ReconnectBackoff()
        for _ in 0..<6 { _ = backoff.failed { 1 } }
        #expect(backoff.ceiling > .seconds(10))
        #expect(backoff.failed(after: .seconds(60)) { 1 } == .milliseconds(250))
        // A short-lived connection does not reset.
        #expect(backoff.failed(after: .seconds(1)) { 1 } == .milliseconds(500))
    }
}
