import Domain
import Foundation
import Testing
import TestSupport

@testable import VoiceGatewayd

/// A PIN keyed for the scripted agent's `collect_digits` over each media transport: Asterisk reports
/// each key as ARI `ChannelDtmfReceived` and also passes it through the bridge (AudioSocket `0x03`,
/// chan_websocket `DTMF_END`); the entry reaches the agent whole, each key counted once, and its keys
/// are masked in every event. (Dialplan AudioSocket calls, with no ARI, take `0x03`:
/// DialplanAudioSocketTests.)
@Suite("End to end: digit entries", .serialized)
struct DigitEntryEndToEndTests {
    static let script = """
        greeting: "Hello."
        intents:
          - name: pin
            match: ["pin"]
            dtmf: "2"
            reply: "Please key your PIN, then hash."
            action: collect_digits
            max_digits: 8
            terminator: "#"
            then: pin_given
          - name: pin_given
            reply: "Thank you, your PIN is accepted."
            action: hangup
        fallback: "Sorry?"
        """

    /// As Asterisk does: `ChannelDtmfReceived`, and the key also through the bridge to an AudioSocket
    /// or chan_websocket media channel (the daemon must count it once).
    static func key(_ digit: Character, _ fake: FakeAsterisk, _ transport: MediaTransportKind, call: String) async throws {
        fake.sendDTMF(String(digit), on: call)
    }

    @Test(arguments: MediaTransportKind.allCases)
    func aKeyedPINReachesTheAgentAndIsMaskedEverywhere(_ transport: MediaTransportKind) async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("vgw-pin-\(UUID().uuidString).yaml")
        try Self.script.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let harness = try await DaemonHarness.start(environment: [
            "VOICEGW_AGENT_SCRIPT": file.path, "VOICEGW_MEDIA_TRANSPORT": transport.rawValue,
            "VOICEGW_MEDIA_AUDIOSOCKET_PORT": "\(ExternalBinary.freePort())",
        ])
        let fake = harness.fake
        #expect(try await eventually { try await harness.get("/ready").status == 200 }, "ARI never connected")
        let callID = fake.placeCall()
        #expect(await eventually { TransportEndToEndTests.mediaBridged(fake, transport, call: callID) }, "\(transport): media never bridged")
        let spoken = { (text: String) in
            harness.events().contains { $0["type"] as? String == "tts.generated" && ($0["data"] as? [String: Any])?["characters"] as? Int == text.count }
        }
        #expect(await eventually { spoken("Hello.") }, "no greeting")

        try await Self.key("2", fake, transport, call: callID)  // a menu key: the agent asks for the PIN
        #expect(await eventually { spoken("Please key your PIN, then hash.") }, "\(transport): no PIN prompt")
        for digit in "4711#" { try await Self.key(digit, fake, transport, call: callID) }
        #expect(await eventually { harness.events().contains { $0["type"] as? String == "call.ended" } }, "\(transport): the entry never completed")

        let events = harness.events()
        #expect(spoken("Thank you, your PIN is accepted."), "\(transport): the agent did not get the entry")
        let keys = events.filter { $0["type"] as? String == "dtmf.received" }.compactMap { $0["data"] as? [String: Any] }
        #expect(keys.first?["digit"] as? String == "2" && keys.first?["masked"] == nil, "a menu key is shown as it is")
        #expect(keys.dropFirst().count == 5 && keys.dropFirst().allSatisfy { $0["digit"] as? String == "\u{2022}" && $0["masked"] as? Bool == true },
            "\(transport): \(keys)")
        // The text of every event's data (ids and times are random: a UUID may hold "4711" by chance).
        let texts = events.compactMap { $0["data"] as? [String: Any] }.flatMap { $0.values.compactMap { $0 as? String } }
        #expect(!texts.contains { $0.contains("4711") }, "\(transport): the PIN leaked: \(texts)")
        #expect((events.last?["data"] as? [String: Any])?["reason"] as? String == "gateway_hangup")
        try await harness.stop()
    }
}
