import Domain
import Foundation
import Media
import Testing
import TestSupport

@testable import VoiceGatewayd

/// The dialplan mode of AudioSocket (ASTERISK.md): `AudioSocket(UUID,host:port)` runs in the dialplan,
/// without Stasis; Asterisk connects, sends the UUID, then slin 8 kHz (kind 0x10) and DTMF (0x03).
/// The connection is the whole call.
@Suite("Dialplan AudioSocket calls end to end", .serialized)
struct DialplanAudioSocketTests {

    @Test func aDialplanCallIsAConversationNamedByItsUUID() async throws {
        let port = ExternalBinary.freePort()
        let harness = try await DaemonHarness.start(environment: [
            "VOICEGW_MEDIA_AUDIOSOCKET_DIALPLAN_CALLS": "true", "VOICEGW_MEDIA_AUDIOSOCKET_PORT": "\(port)",
        ])
        #expect(try await eventually { try await harness.get("/ready").status == 200 })
        let uuid = UUID().uuidString.lowercased()
        let caller = try await FakeAudioSocketPeer(host: "127.0.0.1", port: port, uuid: uuid, audioKind: 0x10)

        // The greeting comes back as slin 8 kHz frames (320 bytes), every frame of it, audible.
        let audio = { caller.received.filter { $0.kind == 0x10 } }
        #expect(await eventually { !CallerAudio.playbacks(audio(), events: harness.events()).isEmpty }, "no greeting")
        let greeting = CallerAudio.playbacks(audio(), events: harness.events())[0]
        #expect(greeting.count > 40 && greeting.allSatisfy { $0.payload.count == 320 })
        #expect(greeting.map { AudioFrame(samples: L16.decodeLittleEndian($0.payload), sampleRate: 8_000).rms }.max() ?? 0 > 1000)

        // The caller speaks (8 kHz) and presses a key; the daemon understands and answers.
        let url = DaemonHarness.root.appendingPathComponent("Tests/Fixtures/speech/balance_sentence.wav")
        let wav = try WAVFile(bytes: Array(try Data(contentsOf: url)))
        let converter = try #require(SampleRateConverter(from: wav.sampleRate, to: 8_000))
        try await caller.sendAudio(converter.process(wav.samples) + converter.process([], final: true) + [Int16](repeating: 0, count: 8_000))
        #expect(await eventually(timeout: .seconds(30)) { CallerAudio.playbacks(audio(), events: harness.events()).count >= 2 }, "no reply")
        let types = { harness.events().map { $0["type"] as? String ?? "?" } }
        #expect(await eventually { types().contains("llm.responded") })
        let transcript = harness.events().first { $0["type"] as? String == "stt.transcribed" }?["data"] as? [String: Any]
        #expect((transcript?["text"] as? String ?? "").contains("balance"), "transcript \(transcript ?? [:])")
        try await caller.sendDTMF("5")
        #expect(await eventually { harness.events().contains { ($0["data"] as? [String: Any])?["digit"] as? String == "5" } }, "no DTMF")

        // The caller hangs up: Asterisk closes the connection.
        caller.close()
        #expect(await eventually { types().contains("call.ended") }, "no call.ended")
        let started = harness.events().first { $0["type"] as? String == "call.started" }?["data"] as? [String: Any]
        #expect(started?["channel_id"] as? String == "audiosocket/\(uuid)")
        let ended = harness.events().last?["data"] as? [String: Any]
        #expect(ended?["reason"] as? String == "caller_hangup", "\(ended ?? [:])")
        #expect(!harness.fake.requests.contains { $0.path.contains("externalMedia") || $0.method == "DELETE" }, "ARI was used")
        for line in harness.eventLines() { #expect(validateEvent(Data(line.utf8)).isEmpty, "\(line)") }
        try await harness.stop()
    }

    @Test func unknownUUIDsAreRefusedWhenDialplanCallsAreOff() async throws {
        let port = ExternalBinary.freePort()
        let harness = try await DaemonHarness.start(environment: [
            "VOICEGW_MEDIA_TRANSPORT": "audiosocket", "VOICEGW_MEDIA_AUDIOSOCKET_PORT": "\(port)",
        ])
        let caller = try await FakeAudioSocketPeer(host: "127.0.0.1", port: port, uuid: UUID().uuidString.lowercased(), audioKind: 0x10)
        #expect(await eventually { caller.isClosed }, "an unknown UUID was not refused")
        #expect(try await harness.get("/metrics").body.contains(#"reason="unknown_uuid""#))
        #expect(harness.events().isEmpty)
        try await harness.stop()
    }
}
