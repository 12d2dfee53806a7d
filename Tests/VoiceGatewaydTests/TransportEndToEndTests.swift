import Domain
import Foundation
import Media
import Testing
import TestSupport

@testable import VoiceGatewayd

/// A whole conversation through the composition root over each media transport (`media.transport`):
/// ExternalMedia RTP, AudioSocket (Asterisk connects to the daemon's TCP server) and chan_websocket
/// (the daemon connects to Asterisk's `/media/<id>`), against the fake Asterisk.
@Suite("End to end over every media transport", .serialized)
struct TransportEndToEndTests {
    /// What the daemon sent to Asterisk on the call's media channel: arrival time and level per frame.
    struct Frame {
        let at: ContinuousClock.Instant
        let rms: Double
    }

    static func sent(_ fake: FakeAsterisk, _ transport: MediaTransportKind, call: String) -> [Frame] {
        switch transport {
        case .rtp:
            return (fake.rtpPeer(bridgedWith: call)?.received ?? []).map { Frame(at: $0.at, rms: CallerAudio.rms(ulaw: $0.bytes.dropFirst(12))) }
        case .audiosocket:
            return (fake.audioSocketPeer(bridgedWith: call)?.received ?? []).filter { $0.kind == 0x12 }.map {
                Frame(at: $0.at, rms: AudioFrame(samples: L16.decodeLittleEndian($0.payload), sampleRate: 16_000).rms)
            }
        case .websocket:
            return (fake.webSocketPeer(bridgedWith: call)?.received ?? []).filter { $0.text == nil }.map {
                Frame(at: $0.at, rms: AudioFrame(samples: L16.decodeLittleEndian($0.binary), sampleRate: 16_000).rms)
            }
        }
    }


    static func mediaBridged(_ fake: FakeAsterisk, _ transport: MediaTransportKind, call: String) -> Bool {
        switch transport {
        case .rtp: fake.rtpPeer(bridgedWith: call) != nil
        case .audiosocket: fake.audioSocketPeer(bridgedWith: call) != nil
        case .websocket: fake.webSocketPeer(bridgedWith: call)?.isConnected ?? false
        }
    }

    /// The caller's utterance as Asterisk sends it on `transport`.
    static func speak(_ fake: FakeAsterisk, _ transport: MediaTransportKind, call: String) async throws {
        switch transport {
        case .rtp:
            try await #require(fake.rtpPeer(bridgedWith: call)).sendRTP(payloads: try CallerAudio.ulawPayloads(fixture: "balance_sentence"))
        case .audiosocket, .websocket:
            let url = DaemonHarness.root.appendingPathComponent("Tests/Fixtures/speech/balance_sentence.wav")
            let wav = try WAVFile(bytes: Array(try Data(contentsOf: url)))
            let converter = try #require(SampleRateConverter(from: wav.sampleRate, to: 16_000))
            let samples = converter.process(wav.samples) + converter.process([], final: true) + [Int16](repeating: 0, count: 16_000)
            if transport == .audiosocket {
                try await #require(fake.audioSocketPeer(bridgedWith: call)).sendAudio(samples)
            } else {
                try await #require(fake.webSocketPeer(bridgedWith: call)).sendAudio(samples)
            }
        }
    }

    @Test(arguments: MediaTransportKind.allCases)
    func wholeConversation(_ transport: MediaTransportKind) async throws {
        let audioSocketPort = ExternalBinary.freePort()
        let harness = try await DaemonHarness.start(environment: [
            "VOICEGW_MEDIA_TRANSPORT": transport.rawValue, "VOICEGW_MEDIA_AUDIOSOCKET_PORT": "\(audioSocketPort)",
        ])
        let fake = harness.fake
        #expect(try await eventually { try await harness.get("/ready").status == 200 }, "ARI never connected")

        let callID = fake.placeCall(callerNumber: "+15550002222", extension: "100")
        #expect(await eventually { Self.mediaBridged(fake, transport, call: callID) }, "\(transport): media never bridged")
        let media = fake.requests.first { $0.path == "/ari/channels/externalMedia" }?.query ?? [:]
        switch transport {
        case .rtp: #expect(media["encapsulation"] == "rtp")
        case .audiosocket:
            #expect(media["encapsulation"] == "audiosocket" && media["transport"] == "tcp" && media["format"] == "slin16")
            #expect(media["external_host"] == "127.0.0.1:\(audioSocketPort)" && (media["data"] ?? "").count == 36)
        case .websocket: #expect(media["transport"] == "websocket" && media["connection_type"] == "server" && media["format"] == "slin16")
        }

        // The greeting arrives whole (counted against its tts.generated, never timed) and audible.
        let playbacks = { CallerAudio.playbacks(Self.sent(fake, transport, call: callID), events: harness.events()) }
        #expect(await eventually { !playbacks().isEmpty }, "\(transport): no complete greeting")
        let greeting = playbacks()[0]
        #expect(greeting.count > 40)
        #expect(greeting.map(\.rms).max() ?? 0 > 1000, "\(transport): greeting is silent")

        // The caller asks; the daemon understands and answers.
        try await Self.speak(fake, transport, call: callID)
        #expect(await eventually(timeout: .seconds(30)) { playbacks().count >= 2 }, "\(transport): no reply audio")
        let events = { harness.events().map { $0["type"] as? String ?? "?" } }
        #expect(await eventually { events().contains("llm.responded") })
        let transcript = harness.events().first { $0["type"] as? String == "stt.transcribed" }?["data"] as? [String: Any]
        #expect((transcript?["text"] as? String ?? "").contains("balance"), "\(transport): transcript \(transcript ?? [:])")

        // The caller hangs up: everything is cleaned up, the media connection included.
        fake.hangupCaller(callID)
        #expect(await eventually { events().contains("call.ended") }, "\(transport): no call.ended")
        #expect(await eventually { fake.channels.isEmpty && fake.bridges.isEmpty }, "\(transport): leaked \(fake.channels)")
        switch transport {
        case .rtp: break
        case .audiosocket: #expect(await eventually { fake.allAudioSocketPeers.allSatisfy(\.isClosed) }, "TCP left open")
        case .websocket: #expect(await eventually { fake.allWebSocketPeers.allSatisfy(\.isClosed) }, "WebSocket left open")
        }
        let ended = harness.events().last?["data"] as? [String: Any]
        #expect(ended?["reason"] as? String == "caller_hangup", "\(transport): \(ended ?? [:])")
        try await harness.stop()
    }

    @Test func aTenantChoosesItsOwnTransport() async throws {
        // The default stays RTP; the tenant owning 200 picks AudioSocket, so its server must be up too.
        let audioSocketPort = ExternalBinary.freePort()
        let tenants = FileManager.default.temporaryDirectory.appendingPathComponent("vgw-tenants-\(UUID().uuidString).yaml")
        try """
            default_tenant: default
            tenants:
              - id: default
                dids: ["100"]
              - id: acme
                transport: audiosocket
                dids: ["200"]
            """.write(to: tenants, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: tenants) }
        let harness = try await DaemonHarness.start(environment: [
            "VOICEGW_TENANTS_FILE": tenants.path, "VOICEGW_MEDIA_AUDIOSOCKET_PORT": "\(audioSocketPort)",
        ])
        let fake = harness.fake
        #expect(try await eventually { try await harness.get("/ready").status == 200 }, "ARI never connected")
        let acme = fake.placeCall(extension: "200")
        let plain = fake.placeCall(extension: "100")
        #expect(await eventually { Self.mediaBridged(fake, .audiosocket, call: acme) }, "the tenant's call is not on AudioSocket")
        #expect(await eventually { Self.mediaBridged(fake, .rtp, call: plain) }, "the default call is not on RTP")
        #expect(await eventually { Self.sent(fake, .audiosocket, call: acme).count > 10 }, "no greeting over AudioSocket")
        fake.hangupCaller(acme)
        fake.hangupCaller(plain)
        #expect(await eventually { fake.channels.isEmpty && fake.bridges.isEmpty }, "leaked \(fake.channels)")
        try await harness.stop()
    }
}
