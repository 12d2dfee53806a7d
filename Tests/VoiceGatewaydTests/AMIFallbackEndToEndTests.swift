import Domain
import Foundation
import ManagementAPI
import Testing
import TestSupport

@testable import VoiceGatewayd

/// ARI goes down in the middle of calls; the daemon, configured with the AMI fallback, still transfers a
/// call an operator asks to move, ends a call whose caller hangs up, and shows both connections in `/ready`.
@Suite("AMI fallback end to end", .serialized)
struct AMIFallbackEndToEndTests {
    @Test func withARIDownAnOperatorsTransferAndACallersHangupStillWork() async throws {
        let fake = FakeAsterisk()
        let amiPort = try await fake.startAMI(secret: "ami-secret")
        let harness = try await DaemonHarness.start(environment: [
            "VOICEGW_HTTP_AUTH_HS256_SECRET": OperatorAPIEndToEndTests.secret,
            "VOICEGW_AMI_HOST": "127.0.0.1", "VOICEGW_AMI_PORT": "\(amiPort)", "VOICEGW_AMI_SECRET": "ami-secret",
        ], fake: fake)
        #expect(try await eventually { try await harness.get("/ready").body.contains(#""ami":"connected""#) }, "AMI never connected")
        let moved = fake.placeCall()
        let leaving = fake.placeCall()
        for channel in [moved, leaving] {
            #expect(await eventually { fake.rtpPeer(bridgedWith: channel).map { $0.received.count > 5 } ?? false }, "no greeting on \(channel)")
        }
        func callID(_ channel: String) -> String? {
            harness.events().first {
                $0["type"] as? String == "call.started" && ($0["data"] as? [String: Any])?["channel_id"] as? String == channel
            }?["call_id"] as? String
        }
        let movedID = try #require(callID(moved))
        let leavingID = try #require(callID(leaving))

        fake.dropEventConnectionsUntilReleased()
        #expect(try await eventually { try await harness.get("/ready").body.contains(#""ari":"disconnected""#) })
        let ready = try await harness.get("/ready")
        #expect(ready.status == 503 && ready.body.contains(#""ami":"connected""#), "\(ready.body)")

        let token = try await OperatorAPIEndToEndTests.token(scope: [.callsRead, .callsWrite])
        let transfer = try await harness.post("/v1/calls/\(movedID)/transfer", token: token, json: #"{"target":"queue:billing","reason":"asked for billing"}"#)
        #expect(transfer.status == 202, "\(transfer.body)")
        #expect(await eventually { fake.transfers.contains { $0.channel == moved && $0.extension == "billing" } }, "not transferred through AMI")
        #expect(fake.continuedChannels[moved]?["VOICEGW_CALL_ID"] == movedID)
        #expect(fake.amiActions.contains { $0["Action"] == "Redirect" && $0["Channel"] == moved && $0["Context"] == "voicegw-transfer" })
        #expect(await eventually { harness.events().contains { $0["type"] as? String == "call.transferred" && $0["call_id"] as? String == movedID } })

        fake.hangupCaller(leaving)
        #expect(await eventually { harness.events().contains { $0["type"] as? String == "call.ended" && $0["call_id"] as? String == leavingID } },
                "the caller's hangup was not seen through AMI")
        let ended = harness.events().last { $0["type"] as? String == "call.ended" && $0["call_id"] as? String == leavingID }
        #expect((ended?["data"] as? [String: Any])?["reason"] as? String == "caller_hangup")
        // Its media channel is hung up through AMI too (its bridge waits for ARI).
        #expect(await eventually { fake.amiActions.contains { $0["Action"] == "Hangup" && $0["Channel"]?.hasPrefix("voicegw-m-") == true } },
                "the media channel was left in Asterisk")

        fake.acceptEventConnections()
        #expect(try await eventually { try await harness.get("/ready").status == 200 }, "ARI did not come back")
        try await harness.stop()
    }
}
