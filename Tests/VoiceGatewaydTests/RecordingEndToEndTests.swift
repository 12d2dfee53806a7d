import Application
import Domain
import Foundation
import ManagementAPI
import Testing
import TestSupport

@testable import VoiceGatewayd

/// Call recording with consent through the daemon and the fake Asterisk's bridge recording: announced,
/// recorded, named in `call.ended`; the caller's key or the operator's request stops it and deletes it.
@Suite("End to end: recording", .serialized)
struct RecordingEndToEndTests {
    static func start() async throws -> DaemonHarness {
        try await DaemonHarness.start(environment: [
            "VOICEGW_CALLS_RECORDING_ENABLED": "true", "VOICEGW_HTTP_AUTH_HS256_SECRET": OperatorAPIEndToEndTests.secret,
        ])
    }

    static func callID(_ harness: DaemonHarness) -> String {
        harness.events().first { $0["type"] as? String == "call.started" }?["call_id"] as? String ?? ""
    }

    @Test func aRecordedCallIsAnnouncedAndItsFileNamedWhenItEnds() async throws {
        let harness = try await Self.start()
        let fake = harness.fake
        #expect(try await eventually { try await harness.get("/ready").status == 200 }, "ARI never connected")
        let caller = fake.placeCall()
        #expect(await eventually { !fake.recordings.isEmpty }, "never recorded")
        let id = Self.callID(harness)
        let recording = try #require(fake.recordings["voicegw-\(id)"])
        #expect(recording.format == "wav" && fake.bridges[recording.bridge]?.contains(caller) == true, "not the call's bridge")
        let announcement = RecordingSettings().announcement
        let token = try await OperatorAPIEndToEndTests.token(scope: [.callsRead])
        #expect(try await eventually { try await harness.get("/v1/calls/\(id)/transcript", token: token).body.contains(announcement) }, "not announced")
        #expect((fake.rtpPeer(bridgedWith: caller)?.received.count ?? 0) > 100, "the announcement was not played before the recording")
        fake.hangupCaller(caller)
        #expect(await eventually { harness.events().last?["type"] as? String == "call.ended" })
        let ended = harness.events().last?["data"] as? [String: Any]
        #expect(ended?["recording"] as? String == "voicegw-\(id).wav")
        #expect(fake.recordings["voicegw-\(id)"]?.state == "done")
        try await harness.stop()
    }

    @Test func theCallersKeyAndTheOperatorStopTheRecordingAndDeleteIt() async throws {
        let harness = try await Self.start()
        let fake = harness.fake
        #expect(try await eventually { try await harness.get("/ready").status == 200 }, "ARI never connected")
        let token = try await OperatorAPIEndToEndTests.token(scope: [.callsRead, .callsWrite])

        // The caller presses star: the recording is discarded and the agent never sees the key.
        let first = fake.placeCall()
        #expect(await eventually { !fake.recordings.isEmpty })
        let firstID = Self.callID(harness)
        fake.sendDTMF("*", on: first)
        #expect(await eventually { fake.recordings["voicegw-\(firstID)"]?.state == "canceled" }, "not discarded")
        #expect(fake.requests.contains { $0.method == "DELETE" && $0.path == "/ari/recordings/live/voicegw-\(firstID)" })
        #expect(!harness.events().contains { $0["type"] as? String == "dtmf.received" }, "the opt-out key went to the agent")
        let again = try await harness.post("/v1/calls/\(firstID)/recording/stop", token: token, json: "{}")
        #expect(again.status == 409, "nothing left to stop: \(again.body)")
        fake.hangupCaller(first)
        #expect(await eventually { harness.events().last?["type"] as? String == "call.ended" })
        let ended = harness.events().last?["data"] as? [String: Any]
        #expect(ended?["recording_opted_out"] as? Bool == true && ended?["recording"] == nil)

        // The operator stops the second call's recording.
        let second = fake.placeCall()
        var secondID = ""
        #expect(await eventually {
            secondID = harness.events().last { $0["type"] as? String == "call.started" }?["call_id"] as? String ?? ""
            return secondID != firstID && fake.recordings["voicegw-\(secondID)"] != nil
        })
        let stop = try await harness.post("/v1/calls/\(secondID)/recording/stop", token: token, json: "{}")
        #expect(stop.status == 202 && stop.body.contains(#""command":"stop_recording""#), "\(stop.body)")
        #expect(await eventually { fake.recordings["voicegw-\(secondID)"]?.state == "canceled" })
        fake.hangupCaller(second)
        #expect(await eventually { fake.channels.isEmpty && fake.bridges.isEmpty })
        try await harness.stop()
    }

    @Test func anOperatorsStopWhileAsteriskStartsTheRecordingDeletesItOnceItRuns() async throws {
        let harness = try await Self.start()
        let fake = harness.fake
        #expect(try await eventually { try await harness.get("/ready").status == 200 }, "ARI never connected")
        let token = try await OperatorAPIEndToEndTests.token(scope: [.callsRead, .callsWrite])
        fake.holdRecordingStarts()
        let caller = fake.placeCall()
        #expect(await eventually { fake.requests.contains { $0.path.hasSuffix("/record") } }, "never asked to record")
        let id = Self.callID(harness)
        let stop = try await harness.post("/v1/calls/\(id)/recording/stop", token: token, json: "{}")
        #expect(stop.status == 202, "a recording being started is being recorded: \(stop.body)")
        fake.releaseRecordingStarts()
        #expect(await eventually { fake.recordings["voicegw-\(id)"]?.state == "canceled" }, "not deleted once started")
        fake.hangupCaller(caller)
        #expect(await eventually { harness.events().last?["type"] as? String == "call.ended" })
        let ended = harness.events().last?["data"] as? [String: Any]
        #expect(ended?["recording_opted_out"] as? Bool == true && ended?["recording"] == nil)
        try await harness.stop()
    }
}
