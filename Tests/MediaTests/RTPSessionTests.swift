import Domain
import Foundation
import Logging
@testable import Media
import Metrics
import NIOCore
import NIOPosix
import Synchronization
import Testing
import TestSupport

/// A UDP peer standing in for Asterisk's side of ExternalMedia.
final class UDPPeer: @unchecked Sendable {
    let channel: any Channel
    let received = Mutex<[(bytes: [UInt8], at: ContinuousClock.Instant)]>([])
    var port: Int { channel.localAddress?.port ?? 0 }

    init() async throws {
        let box = Mutex<[(bytes: [UInt8], at: ContinuousClock.Instant)]>([])
        _ = box
        let collector = Collector()
        channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        collector.peer = self
    }

    func send(_ bytes: [UInt8], to port: Int) async throws {
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: port)
        try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: channel.allocator.buffer(bytes: bytes)))
    }

    var packets: [(bytes: [UInt8], at: ContinuousClock.Instant)] { received.withLock { $0 } }

    final class Collector: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        weak var peer: UDPPeer?
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let bytes = Array(unwrapInboundIn(data).data.readableBytesView)
            let now = ContinuousClock.now
            peer?.received.withLock { $0.append((bytes, now)) }
        }
    }
}

func attachment(peer: UDPPeer) -> MediaAttachment {
    MediaAttachment(callChannel: "c", mediaChannel: "m", bridge: nil,
                    variables: ["UNICASTRTP_LOCAL_ADDRESS": "127.0.0.1", "UNICASTRTP_LOCAL_PORT": "\(peer.port)"])
}

func audioStream(_ chunks: [AudioFrame], delay: Duration = .zero) -> AudioStream {
    AsyncThrowingStream { continuation in
        let task = Task {
            for chunk in chunks {
                if delay > .zero { try? await Task.sleep(for: delay) }
                continuation.yield(chunk)
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
    }
}

@Suite("RTP media sessions on real UDP sockets", .serialized)
struct RTPSessionTests {
    func engine(ports: ClosedRange<Int> = 41000...41099, mode: RTPMediaEngine.SocketMode = .shared,
                metrics: any MetricsFactory = NOOPMetricsHandler.instance) -> RTPMediaEngine {
        RTPMediaEngine(configuration: .init(host: "127.0.0.1", portRange: ports, socketMode: mode), metricsFactory: metrics, logger: Logger(label: "t"))
    }

    @Test(arguments: RTPMediaEngine.SocketMode.allCases)
    func receivesUlawAsSixteenKilohertzFrames(mode: RTPMediaEngine.SocketMode) async throws {
        let engine = engine(mode: mode)
        let session = try await engine.openSession(for: "c1", transport: .rtp)
        let peer = try await UDPPeer()
        try await session.connect(attachment(peer: peer))
        let port = Int(session.offer.externalHost.split(separator: ":")[1])!
        let samples = tone(1000, rate: 8_000, seconds: 1)
        for n in 0..<50 {
            let payload = samples[(n * 160)..<(n * 160 + 160)].map(G711.ulawEncode)
            let packet = RTPPacket(payloadType: 0, sequenceNumber: UInt16(100 + n), timestamp: UInt32(n * 160), ssrc: 7, payload: payload)
            try await peer.send(packet.bytes, to: port)
            // Garbage between the packets is dropped, not fatal.
            try await peer.send([0x12, 0x34], to: port)
        }
        var frames: [AudioFrame] = []
        for await frame in session.inbound {
            frames.append(frame)
            if frames.count == 50 { break }
        }
        #expect(frames.allSatisfy { $0.sampleRate == 16_000 && $0.samples.count == 320 })
        #expect(frames[10].rms > 5000)
        await session.close()
        await engine.shutdown()
    }

    @Test(arguments: RTPMediaEngine.SocketMode.allCases)
    func playsPacedUlawWithMarkerOnFirstPacket(mode: RTPMediaEngine.SocketMode) async throws {
        let engine = engine(mode: mode)
        let session = try await engine.openSession(for: "c2", transport: .rtp)
        let peer = try await UDPPeer()
        try await session.connect(attachment(peer: peer))
        let audio = tone(440, rate: 16_000, seconds: 1)
        let chunks = stride(from: 0, to: audio.count, by: 1600).map { AudioFrame(samples: Array(audio[$0..<min($0 + 1600, audio.count)]), sampleRate: 16_000) }
        let first = Mutex(false)
        let outcome = try await session.play(audioStream(chunks)) { first.withLock { $0 = true } }
        #expect(outcome == .completed(sent: .milliseconds(1000)))
        #expect(first.withLock { $0 })
        // The last datagram may still be in flight on a loaded machine.
        let settled = ContinuousClock.now + .seconds(2)
        while peer.packets.count < 50, ContinuousClock.now < settled { try await Task.sleep(for: .milliseconds(10)) }
        let packets = try peer.packets.map { ($0.at, try RTPPacket(parsing: $0.bytes)) }
        #expect(packets.count == 50)
        #expect(packets.allSatisfy { $0.1.payloadType == 0 && $0.1.payload.count == 160 })
        #expect(packets.enumerated().allSatisfy { $0.element.1.marker == ($0.offset == 0) })
        for i in 1..<packets.count {
            #expect(packets[i].1.sequenceNumber == packets[i - 1].1.sequenceNumber &+ 1)
            #expect(packets[i].1.timestamp == packets[i - 1].1.timestamp &+ 160)
        }
        // Order, counts and content only: the spacing on the wire is the pacer's, tested on an injected
        // clock (PacingTests) and measured by `make bench-media`, never asserted on a loaded machine.
        let decoded = packets.flatMap { $0.1.payload.map(G711.ulawDecode) }
        #expect(AudioFrame(samples: Array(decoded[1600..<6400]), sampleRate: 8_000).rms > 5000, "the tone is in the packets")
        await session.close()
        await engine.shutdown()
    }

    @Test(arguments: RTPMediaEngine.SocketMode.allCases)
    func slowProducerNeverBursts(mode: RTPMediaEngine.SocketMode) async throws {
        let engine = engine(mode: mode)
        let session = try await engine.openSession(for: "c3", transport: .rtp)
        let peer = try await UDPPeer()
        try await session.connect(attachment(peer: peer))
        // 100 ms of audio every 150 ms: slower than real time.
        let chunks = (0..<5).map { _ in AudioFrame(samples: tone(300, rate: 8_000, seconds: 0.1), sampleRate: 8_000) }
        let outcome = try await session.play(audioStream(chunks, delay: .milliseconds(150))) {}
        #expect(outcome == .completed(sent: .milliseconds(500)))
        // Every frame arrives once, in order, with contiguous sequence numbers: an underrun between chunks
        // loses nothing. (That a slow producer is never sent in a burst is the pacer's rule, one frame per
        // tick, tested on an injected clock in PacingTests.)
        #expect(await eventually { peer.packets.count >= 25 }, "\(peer.packets.count) packets")
        let packets = try peer.packets.map { try RTPPacket(parsing: $0.bytes) }
        #expect(packets.count == 25)
        #expect(zip(packets.dropFirst(), packets).allSatisfy { $0.sequenceNumber == $1.sequenceNumber &+ 1 })
        #expect(packets.allSatisfy { $0.payload.count == 160 })
        await session.close()
        await engine.shutdown()
    }

    @Test(arguments: RTPMediaEngine.SocketMode.allCases)
    func flushInterruptsWithinAFrame(mode: RTPMediaEngine.SocketMode) async throws {
        let metrics = TestMetrics()
        let engine = engine(mode: mode, metrics: metrics)
        let session = try await engine.openSession(for: "c4", transport: .rtp)
        let peer = try await UDPPeer()
        try await session.connect(attachment(peer: peer))
        async let outcome = session.play(audioStream([AudioFrame(samples: tone(440, rate: 16_000, seconds: 5), sampleRate: 16_000)])) {}
        #expect(await eventually { peer.packets.count >= 5 }, "the playback never started")
        await session.flush()
        // What the session had sent when the flush returned (the peer may not have read all of it yet).
        let atFlush = Int(metrics.total("voicegw_rtp_packets_sent_total"))
        let result = try await outcome
        guard case .interrupted(let sent) = result else { Issue.record("expected interrupted, got \(result)"); return }
        #expect(sent < .seconds(5))
        // A second, short playback marks where the first one's packets end (its first packet carries the
        // marker; loopback UDP keeps order): at most the frame in flight at the flush follows it.
        _ = try await session.play(audioStream([AudioFrame(samples: tone(440, rate: 16_000, seconds: 0.1), sampleRate: 16_000)])) {}
        #expect(await eventually { (try? peer.packets.map { try RTPPacket(parsing: $0.bytes) }.dropFirst().contains { $0.marker }) == true })
        let packets = try peer.packets.map { try RTPPacket(parsing: $0.bytes) }
        let firstPlayback = try #require(packets.dropFirst().firstIndex { $0.marker })
        #expect(firstPlayback <= atFlush + 1, "\(firstPlayback - atFlush) packets of the first playback after the flush")
        await session.close()
        await engine.shutdown()
    }

    @Test func portsAreReusedAfterCloseAndExhaustionIsReported() async throws {
        let small = engine(ports: 41200...41203, mode: .perCall)  // two even ports
        let a = try await small.openSession(for: "a", transport: .rtp)
        let b = try await small.openSession(for: "b", transport: .rtp)
        #expect(a.offer.externalHost != b.offer.externalHost)
        await #expect(throws: ProviderError.self) { try await small.openSession(for: "c", transport: .rtp) }
        await a.close()
        let c = try await small.openSession(for: "c", transport: .rtp)
        #expect(c.offer.externalHost == a.offer.externalHost)
        await #expect(throws: ProviderError.self) { try await small.openSession(for: "d", transport: .audiosocket) }
        await b.close()
        await c.close()
        #expect(small.openSessions == 0)
    }

    @Test(arguments: RTPMediaEngine.SocketMode.allCases)
    func connectNeedsTheRTPAddress(mode: RTPMediaEngine.SocketMode) async throws {
        let engine = engine(mode: mode)
        let session = try await engine.openSession(for: "c5", transport: .rtp)
        await #expect(throws: ProviderError.self) {
            try await session.connect(MediaAttachment(callChannel: "c", mediaChannel: "m", bridge: nil, variables: [:]))
        }
        await session.close()
        await engine.shutdown()
    }
}
