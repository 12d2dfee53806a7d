import Foundation
import Testing
import TestSupport

@testable import VoiceGatewayd

/// ASTERISK.md: when only the daemon's event WebSocket drops, channels stay in Stasis and events resume
/// after the reconnect, but whatever happened meanwhile is not replayed. The daemon must ask.
@Suite("Reconciliation after an ARI reconnect", .serialized)
struct ReconnectReconciliationTests {
    @Test func aHangupMissedWhileDisconnectedEndsTheCallAfterTheReconnect() async throws {
        let harness = try await DaemonHarness.start()
        let fake = harness.fake
        #expect(try await eventually { try await harness.get("/ready").status == 200 })
        let channel = fake.placeCall()
        #expect(await eventually { fake.rtpPeer(bridgedWith: channel).map { $0.received.count > 5 } ?? false }, "no greeting")

        fake.dropEventConnectionsUntilReleased()
        #expect(try await eventually { try await harness.get("/ready").status == 503 })
        fake.hangupCaller(channel)  // StasisEnd goes to nobody
        fake.acceptEventConnections()
        #expect(try await eventually { try await harness.get("/ready").status == 200 })

        #expect(await eventually { harness.events().contains { $0["type"] as? String == "call.ended" } }, "the call was never ended")
        let ended = harness.events().last { $0["type"] as? String == "call.ended" }
        #expect((ended?["data"] as? [String: Any])?["reason"] as? String == "caller_hangup")
        #expect(await eventually { fake.channels.isEmpty && fake.bridges.isEmpty }, "leaked \(fake.channels) \(fake.bridges)")
        #expect(try await harness.get("/metrics").body.contains(#"voicegw_reconciliation_actions_total{action="missed_hangup"} 1"#))
        try await harness.stop()
    }
}
