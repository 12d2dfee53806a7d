import Application
@testable import AsteriskARI
import Domain
import Foundation
import Logging
@testable import Media
import Metrics
import Synchronization
import Testing
import TestSupport

/// Reads up to `count` elements of `stream`, giving up after `timeout`.
final class Collected<T: Sendable>: Sendable {
    let items = Mutex<[T]>([])
}

func collect<T: Sendable>(_ stream: AsyncStream<T>, count: Int, timeout: Duration = .seconds(30)) async -> [T] {
    let box = Collected<T>()
    await withTaskGroup(of: Void.self) { group in
        group.addTask {
            for await item in stream {
                let done = box.items.withLock { items -> Bool in
                    items.append(item)
                    return items.count >= count
                }
                if done { return }
            }
        }
        group.addTask { try? await Task.sleep(for: timeout) }
        await group.next()
        group.cancelAll()
    }
    return box.items.withLock { $0 }
}

/// A call's media set up through ARI against the fake Asterisk, for any transport.
struct TransportHarness {
    let fake: FakeAsterisk
    let ari: ARITelephony
    let run: Task<Void, any Error>
    let engines: MediaEngines
    let audioSocket: AudioSocketMediaEngine

    static func start(rtpPorts: ClosedRange<Int>) async throws -> TransportHarness {
        let fake = FakeAsterisk()
        try await fake.start()
        var config = ARITelephony.Configuration(url: URL(string: fake.url)!, username: fake.username, password: fake.password, app: fake.app)
        config.requestTimeout = .seconds(30)  // generous: a loaded machine; deadlines have tests of their own
        config.mediaStartTimeout = .seconds(30)
        let logger = Logger(label: "transport-test")
        let ari = ARITelephony(configuration: config, clock: SystemClock(), metricsFactory: NOOPMetricsHandler.instance, logger: logger)
        let run = Task { try await ari.run() }
        let rtp = RTPMediaEngine(configuration: .init(host: "127.0.0.1", portRange: rtpPorts), metricsFactory: NOOPMetricsHandler.instance, logger: logger)
        let audioSocket = AudioSocketMediaEngine(configuration: .init(host: "127.0.0.1", port: 0), metricsFactory: NOOPMetricsHandler.instance, logger: logger)
        try await audioSocket.start()
        let webSocket = WebSocketMediaEngine(
            configuration: .init(baseURL: fake.url.replacingOccurrences(of: "http://", with: "ws://")), metricsFactory: NOOPMetricsHandler.instance,
            logger: logger)
        let engines = MediaEngines([.rtp: rtp, .audiosocket: audioSocket, .websocket: webSocket])
        let deadline = ContinuousClock.now + .seconds(5)
        while await ari.connectionState() != .connected, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        return TransportHarness(fake: fake, ari: ari, run: run, engines: engines, audioSocket: audioSocket)
    }

    func stop() async {
        run.cancel()
        await audioSocket.shutdown()
        await fake.stop()
    }

    /// Answers a new call and connects a media session over `transport`.
    func call(_ transport: MediaTransportKind) async throws -> (channel: String, session: any MediaSession, attachment: MediaAttachment) {
        let channel = fake.placeCall()
        try await ari.answer(ChannelID(channel))
        let session = try await engines.openSession(for: CallID("call-\(channel)"), transport: transport)
        let attachment = try await ari.startMedia(for: ChannelID(channel), session: session)
        return (channel, session, attachment)
    }

    /// Plays `samples` (16 kHz) from Asterisk's side of the media channel, paced at 20 ms.
    func sendCallerAudio(_ samples: [Int16], transport: MediaTransportKind, channel: String) async throws {
        switch transport {
        case .rtp:
            let peer = try #require(fake.rtpPeer(bridgedWith: channel))
            var down = Downsampler2x()
            let narrow = down.process(samples)
            let payloads = stride(from: 0, to: narrow.count, by: 160).map { narrow[$0..<min($0 + 160, narrow.count)].map(G711.ulawEncode) }
            try await peer.sendRTP(payloads: payloads)
        case .audiosocket:
            try await #require(fake.audioSocketPeer(bridgedWith: channel)).sendAudio(samples)
        case .websocket:
            try await #require(fake.webSocketPeer(bridgedWith: channel)).sendAudio(samples)
        }
    }

    /// Audio frames the daemon sent to Asterisk: (arrival, 16-bit samples at the wire rate).
    func receivedAudio(_ transport: MediaTransportKind, channel: String) -> [(at: ContinuousClock.Instant, samples: [Int16], marker: Bool)] {
        switch transport {
        case .rtp:
            return (fake.rtpPeer(bridgedWith: channel)?.received ?? []).compactMap { datagram in
                guard let packet = try? RTPPacket(parsing: datagram.bytes), packet.payloadType == 0 else { return nil }
                return (datagram.at, packet.payload.map(G711.ulawDecode), packet.marker)
            }
        case .audiosocket:
            return (fake.audioSocketPeer(bridgedWith: channel)?.received ?? []).filter { $0.kind == 0x12 }.map {
                ($0.at, L16.decodeLittleEndian($0.payload), false)
            }
        case .websocket:
            return (fake.webSocketPeer(bridgedWith: channel)?.received ?? []).filter { $0.text == nil }.map {
                ($0.at, L16.decodeLittleEndian($0.binary), false)
            }
        }
    }
}

@Suite("Every transport end to end against the fake Asterisk", .serialized)
struct TransportEndToEndTests {
    @Test(arguments: MediaTransportKind.allCases)
    func callerAudioInPacedAudioOutAndHangup(_ transport: MediaTransportKind) async throws {
        let harness = try await TransportHarness.start(rtpPorts: 41400...41499)
        defer { Task { await harness.stop() } }
        let (channel, session, attachment) = try await harness.call(transport)

        // Caller audio reaches the session as 20 ms frames of 16 kHz.
        let caller = tone(700, rate: 16_000, seconds: 1, amplitude: 8000)
        async let frames = collect(session.inbound, count: 45, timeout: .seconds(30))
        try await harness.sendCallerAudio(caller, transport: transport, channel: channel)
        let received = await frames
        #expect(received.count == 45, "\(transport): \(received.count) frames")
        #expect(received.allSatisfy { $0.sampleRate == 16_000 && $0.samples.count == 320 })
        #expect(received.dropFirst(5).allSatisfy { $0.rms > 3000 }, "\(transport): \(received.map(\.rms))")

        // A reply from a 22.05 kHz TTS leaves paced at 20 ms, 50 frames for one second.
        let reply = AudioFrame(samples: tone(440, rate: 22_050, seconds: 1, amplitude: 8000), sampleRate: 22_050)
        let firstAt = Mutex<ContinuousClock.Instant?>(nil)
        let outcome = try await session.play(audioStream([reply])) { firstAt.withLock { $0 = .now } }
        guard case .completed(let sent) = outcome else { Issue.record("\(transport): \(outcome)"); return }
        #expect(sent == .milliseconds(1000))
        #expect(await eventually { harness.receivedAudio(transport, channel: channel).count >= 50 })
        let out = harness.receivedAudio(transport, channel: channel)
        #expect(out.count == 50, "\(transport): \(out.count) frames")
        #expect(out.allSatisfy { $0.samples.count == (transport == .rtp ? 160 : 320) })
        if transport == .rtp { #expect(out.map(\.marker) == [true] + Array(repeating: false, count: out.count - 1)) }
        // Order, counts and content: the spacing is the pacer's (PacingTests, on an injected clock) and is
        // measured by `make bench-media`, never asserted here, where a loaded machine decides the timing.
        #expect(out.dropFirst(2).allSatisfy { rms($0.samples[...]) > 3000 })

        // The call ends: the daemon closes its side and removes the media channel; the peer sees it.
        await session.close()
        await harness.ari.stopMedia(attachment)
        #expect(harness.fake.channels[attachment.mediaChannel.rawValue] == nil)
        switch transport {
        case .rtp: break
        case .audiosocket: #expect(await eventually { harness.fake.allAudioSocketPeers.allSatisfy(\.isClosed) })
        case .websocket: #expect(await eventually { harness.fake.allWebSocketPeers.allSatisfy(\.isClosed) })
        }
    }

    @Test(arguments: [MediaTransportKind.audiosocket, .websocket])
    func asteriskHangupEndsTheInboundStream(_ transport: MediaTransportKind) async throws {
        let harness = try await TransportHarness.start(rtpPorts: 41500...41509)
        defer { Task { await harness.stop() } }
        let (_, session, attachment) = try await harness.call(transport)
        async let rest = collect(session.inbound, count: 1_000, timeout: .seconds(60))
        // Asterisk hangs the media channel up (closes TCP / the WebSocket): the inbound stream finishes
        // then, long before the 1000 frames (20 s) the collector waits for.
        _ = try await harness.ari.rest.send(.DELETE, "channels/\(attachment.mediaChannel)")
        let frames = await rest
        #expect(frames.count < 1_000, "\(transport): the inbound stream did not finish on hangup")
        await session.close()
    }

    @Test func webSocketDigitsAndFlushMedia() async throws {
        let harness = try await TransportHarness.start(rtpPorts: 41510...41519)
        defer { Task { await harness.stop() } }
        let (channel, session, _) = try await harness.call(.websocket)
        let peer = try #require(harness.fake.webSocketPeer(bridgedWith: channel))
        async let digits = collect(session.digits, count: 2)
        peer.sendDTMF("4")
        peer.sendText("garbage that is not an event")
        peer.sendDTMF("#")
        #expect(await digits == ["4", "#"])

        async let outcome = session.play(audioStream([AudioFrame(samples: tone(440, rate: 16_000, seconds: 3), sampleRate: 16_000)])) {}
        #expect(await eventually { peer.received.contains { !$0.binary.isEmpty } }, "the playback never started")
        await session.flush()
        guard case .interrupted = try await outcome else { Issue.record("not interrupted"); return }
        #expect(await eventually { peer.received.contains { $0.text == "FLUSH_MEDIA" } })
        await session.close()
    }

    @Test func dialplanAudioSocketAtEightKilohertzWithDigits() async throws {
        let logger = Logger(label: "audiosocket-dialplan")
        let engine = AudioSocketMediaEngine(configuration: .init(host: "127.0.0.1", port: 0), metricsFactory: NOOPMetricsHandler.instance, logger: logger)
        let port = try await engine.start()
        defer { Task { await engine.shutdown() } }
        // The dialplan says AudioSocket(40325ec2-5efd-4bd3-805f-53576e581d13,127.0.0.1:PORT).
        let session = try engine.openSession(for: "dialplan-call", uuid: "40325ec2-5efd-4bd3-805f-53576e581d13", wireRate: 8_000)
        let peer = try await FakeAudioSocketPeer(host: "127.0.0.1", port: port, uuid: "40325ec2-5efd-4bd3-805f-53576e581d13", audioKind: 0x10)
        async let frames = collect(session.inbound, count: 20)
        async let digits = collect(session.digits, count: 3)
        try await peer.sendAudio(tone(500, rate: 8_000, seconds: 0.4, amplitude: 8000))
        for digit in "12*" { try await peer.sendDTMF(digit) }
        let inbound = await frames
        #expect(inbound.count == 20)
        #expect(inbound.allSatisfy { $0.sampleRate == 16_000 && $0.samples.count == 320 })
        #expect(inbound.dropFirst(2).allSatisfy { $0.rms > 3000 })
        #expect(await digits == ["1", "2", "*"])

        _ = try await session.play(audioStream([AudioFrame(samples: tone(440, rate: 16_000, seconds: 0.2), sampleRate: 16_000)])) {}
        #expect(await eventually { peer.received.count >= 10 })
        #expect(peer.received.allSatisfy { $0.kind == 0x10 && $0.payload.count == 320 }, "replies in the caller's kind (slin 8 kHz)")
        peer.close()
        await session.close()
        #expect(engine.openSessions == 0)
    }

    @Test func connectFailsWhenAsteriskNeverConnects() async throws {
        let engine = AudioSocketMediaEngine(configuration: .init(host: "127.0.0.1", port: 0), metricsFactory: NOOPMetricsHandler.instance,
                                            logger: Logger(label: "audiosocket-lonely"))
        try await engine.start()
        defer { Task { await engine.shutdown() } }
        let session = try engine.openSession(for: "lonely", uuid: "22222222-3333-4444-8555-666666666666", wireRate: 16_000, connectTimeout: .milliseconds(200))
        let attachment = MediaAttachment(callChannel: "c", mediaChannel: "m", bridge: nil, variables: [:])
        await #expect(throws: ProviderError.self) { try await session.connect(attachment) }
        await session.close()
        #expect(engine.openSessions == 0)
    }

    @Test func malformedAudioSocketInputIsDroppedAndCounted() async throws {
        let metrics = TestMetrics()
        let logger = Logger(label: "audiosocket-bad")
        let engine = AudioSocketMediaEngine(configuration: .init(host: "127.0.0.1", port: 0), metricsFactory: metrics, logger: logger)
        let port = try await engine.start()
        defer { Task { await engine.shutdown() } }
        // An unknown UUID is refused.
        let stranger = try await FakeAudioSocketPeer(host: "127.0.0.1", port: port, uuid: "00000000-0000-4000-8000-000000000000")
        #expect(await eventually { stranger.isClosed })
        // A known session survives an odd-sized audio frame; an oversized header ends only that connection.
        let session = try engine.openSession(for: "c", uuid: "11111111-2222-4333-8444-555555555555", wireRate: 16_000)
        let peer = try await FakeAudioSocketPeer(host: "127.0.0.1", port: port, uuid: "11111111-2222-4333-8444-555555555555")
        try await peer.sendFrame(kind: 0x12, payload: [1, 2, 3])
        try await peer.sendRaw([0x12, 0xFF, 0xFF])
        #expect(await eventually { peer.isClosed })
        #expect(metrics.total("voicegw_media_frames_dropped_total") >= 3)
        await session.close()
    }
}
