import Application
import Domain
import Foundation
import Testing
import TestSupport

@testable import VoiceGatewayd

/// Transfers through the daemon against the fake Asterisk: a warm transfer's whole timeline (ring,
/// summary on the human's own media, bridge, leave, teardown when a party hangs up), a warm transfer
/// nobody answers (back to the agent), and a blind one's channel variables.
@Suite("End to end: transfers", .serialized)
struct TransferEndToEndTests {
    static func eventTime(_ events: [[String: Any]], _ type: String) -> Date? {
        (events.first { $0["type"] as? String == type }?["occurred_at"] as? String).flatMap { ISO8601DateFormatter.withFractions.date(from: $0) }
    }

    @Test func aWarmTransferRingsBriefsBridgesAndLeaves() async throws {
        let harness = try await DaemonHarness.start(environment: ["VOICEGW_CALLS_TRANSFER_MODE": "warm"])
        let fake = harness.fake
        #expect(try await eventually { try await harness.get("/ready").status == 200 }, "ARI never connected")
        let caller = fake.placeCall(callerNumber: "+15550002222")
        #expect(await eventually { fake.rtpPeer(bridgedWith: caller) != nil })
        #expect(await eventually { harness.events().contains { $0["type"] as? String == "tts.generated" } }, "no greeting")
        let pressed = Date()
        fake.sendDTMF("0", on: caller)  // the scripted agent's "agent" intent: transfer to queue:support

        var leg = ""
        #expect(await eventually {
            leg = fake.requests.first { $0.method == "POST" && $0.path == "/ari/channels" && $0.query["appArgs"]?.hasPrefix("transfer,") == true }?
                .query["channelId"] ?? ""
            return !leg.isEmpty
        }, "the target was never rung")
        let originate = try #require(fake.requests.first { $0.query["channelId"] == leg })
        #expect(originate.query["endpoint"] == "Local/support@voicegw-transfer" && originate.query["callerId"] == "+15550002222")
        let rang = Date()
        fake.ringOriginated(leg)
        #expect(fake.answerOriginated(leg))
        let answered = Date()
        // The human hears the summary on a media session of their own.
        #expect(await eventually { (fake.rtpPeer(bridgedWith: leg)?.received.count ?? 0) > 20 }, "no summary for the human")
        #expect(await eventually { harness.events().contains { $0["type"] as? String == "call.ended" } }, "never bridged")
        let bridged = Date()
        let events = harness.events()
        let callID = try #require(events.first?["call_id"] as? String)
        #expect(Set(fake.bridges["voicegw-x-\(callID)"] ?? []) == [caller, leg], "\(fake.bridges)")
        #expect(fake.bridges.count == 1, "the agent's and the briefing's media are gone: \(fake.bridges)")
        let transferred = events.first { $0["type"] as? String == "call.transferred" }?["data"] as? [String: Any]
        #expect(transferred?["outcome"] as? String == "completed" && transferred?["kind"] as? String == "warm")
        #expect((events.last?["data"] as? [String: Any])?["reason"] as? String == "transferred")
        #expect(!fake.requests.contains { $0.method == "DELETE" && $0.path == "/ari/channels/\(caller)" }, "the caller was hung up")

        // The timeline, from the events' own times (reported, never asserted: wall clock).
        let escalated = Self.eventTime(events, "call.escalated"), done = Self.eventTime(events, "call.transferred")
        let ms = { (a: Date?, b: Date?) in Int(((b ?? .distantPast).timeIntervalSince(a ?? .distantPast)) * 1000) }
        print("warm transfer timeline: key pressed -> call.escalated \(ms(pressed, escalated)) ms -> target rung \(ms(pressed, rang)) ms;"
            + " answered at \(ms(pressed, answered)) ms -> summary played and bridged (call.transferred) \(ms(answered, done)) ms;"
            + " total \(ms(pressed, done)) ms; seen by the test \(ms(pressed, bridged)) ms")

        // The caller hangs up: the human is hung up and the bridge deleted.
        fake.hangupCaller(caller)
        #expect(await eventually { fake.channels.isEmpty && fake.bridges.isEmpty }, "left behind: \(fake.channels) \(fake.bridges)")
        try await harness.stop()
    }

    @Test func aWarmTransferNobodyAnswersBringsTheCallerBackToTheAgent() async throws {
        let harness = try await DaemonHarness.start(environment: ["VOICEGW_CALLS_TRANSFER_MODE": "warm"])
        let fake = harness.fake
        #expect(try await eventually { try await harness.get("/ready").status == 200 }, "ARI never connected")
        let caller = fake.placeCall()
        #expect(await eventually { harness.events().contains { $0["type"] as? String == "tts.generated" } }, "no greeting")
        fake.sendDTMF("0", on: caller)
        var leg = ""
        #expect(await eventually {
            leg = fake.requests.first { $0.query["appArgs"]?.hasPrefix("transfer,") == true }?.query["channelId"] ?? ""
            return !leg.isEmpty
        })
        fake.busyOriginated(leg)
        let line = TransferSettings().noAnswerLine
        #expect(await eventually {
            harness.events().contains { $0["type"] as? String == "tts.generated" && ($0["data"] as? [String: Any])?["characters"] as? Int == line.count }
        }, "the caller was not told")
        let transferred = harness.events().first { $0["type"] as? String == "call.transferred" }?["data"] as? [String: Any]
        #expect(transferred?["outcome"] as? String == "busy")
        // Still with the agent: a key is answered.
        fake.sendDTMF("1", on: caller)
        #expect(await eventually { harness.events().contains { $0["type"] as? String == "llm.responded" || ($0["data"] as? [String: Any])?["characters"] as? Int == "Your balance is ten dollars.".count } })
        #expect(!harness.events().contains { $0["type"] as? String == "call.ended" })
        fake.hangupCaller(caller)
        #expect(await eventually { fake.channels.isEmpty && fake.bridges.isEmpty })
        try await harness.stop()
    }

    @Test func aBlindTransferSetsTheVariablesForTheHumanThenContinues() async throws {
        let harness = try await DaemonHarness.start()
        let fake = harness.fake
        #expect(try await eventually { try await harness.get("/ready").status == 200 }, "ARI never connected")
        let caller = fake.placeCall(callerNumber: "+15550003333")
        #expect(await eventually { harness.events().contains { $0["type"] as? String == "tts.generated" } }, "no greeting")
        fake.sendDTMF("0", on: caller)
        #expect(await eventually { fake.transfers.contains { $0.channel == caller } }, "never continued")
        let variables = fake.continuedChannels[caller] ?? [:]
        let callID = harness.events().first?["call_id"] as? String
        #expect(variables["VOICEGW_CALL_ID"] == callID && variables["VOICEGW_TRANSFER_REASON"] == "agent request")
        #expect(variables["VOICEGW_TRANSFER_SUMMARY"] == "Caller +15550003333.")
        #expect(fake.transfers.first { $0.channel == caller }.map { [$0.context, $0.extension] } == ["voicegw-transfer", "support"])
        #expect(await eventually { harness.events().last?["type"] as? String == "call.ended" })
        try await harness.stop()
    }
}

extension ISO8601DateFormatter {
    static var withFractions: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}
