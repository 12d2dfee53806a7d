import Domain
import Logging
@testable import Media
import Metrics
import NIOCore
import NIOEmbedded
import NIOPosix
import Synchronization
import Testing
import TestSupport

@Suite("Shared RTP sockets: demultiplexing by source, batched sends", .serialized)
struct SharedRTPSocketTests {
    /// One event loop, so that every session lands on the same shared socket.
    static let oneLoop = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    /// `count` packets of a tone (or of silence for frequency 0).
    func ulawPackets(frequency: Double, ssrc: UInt32, count: Int = 25) -> [[UInt8]] {
        let samples: [Int16] = tone(frequency, rate: 8_000, seconds: Double(count) / 50, amplitude: frequency > 0 ? 10_000 : 0)
        var packets: [[UInt8]] = []
        for n in 0..<count {
            let payload = samples[(n * 160)..<(n * 160 + 160)].map(G711.ulawEncode)
            let packet = RTPPacket(payloadType: 0, sequenceNumber: UInt16(n), timestamp: UInt32(n * 160), ssrc: ssrc, payload: payload)
            packets.append(packet.bytes)
        }
        return packets
    }

    @Test func callsOnOneSocketAreToldApartBySourceAndAnsweredThere() async throws {
        let engine = RTPMediaEngine(configuration: .init(host: "127.0.0.1", portRange: 41300...41399, socketMode: .shared), group: Self.oneLoop,
                                    metricsFactory: NOOPMetricsHandler.instance, logger: Logger(label: "t"))
        let loud = try await engine.openSession(for: "loud", transport: .rtp)
        let quiet = try await engine.openSession(for: "quiet", transport: .rtp)
        #expect(loud.offer.externalHost == quiet.offer.externalHost, "one socket per event loop")
        let loudPeer = try await UDPPeer()
        let quietPeer = try await UDPPeer()
        try await loud.connect(attachment(peer: loudPeer))
        try await quiet.connect(attachment(peer: quietPeer))
        let port = Int(loud.offer.externalHost.split(separator: ":")[1])!
        for (a, b) in zip(ulawPackets(frequency: 1000, ssrc: 1), ulawPackets(frequency: 0, ssrc: 2)) {
            try await loudPeer.send(a, to: port)
            try await quietPeer.send(b, to: port)
        }
        var loudFrames: [AudioFrame] = []
        for await frame in loud.inbound {
            loudFrames.append(frame)
            if loudFrames.count == 25 { break }
        }
        var quietFrames: [AudioFrame] = []
        for await frame in quiet.inbound {
            quietFrames.append(frame)
            if quietFrames.count == 1 { break }
        }
        #expect(loudFrames[10].rms > 5000)
        #expect(quietFrames[0].rms < 100, "the quiet caller's frames did not get the loud caller's audio")

        // Replies go back to each call's own source.
        let audio = AudioFrame(samples: tone(440, rate: 16_000, seconds: 0.2), sampleRate: 16_000)
        async let one = loud.play(audioStream([audio])) {}
        async let two = quiet.play(audioStream([audio])) {}
        _ = try await (one, two)
        #expect(await eventually { loudPeer.packets.count == 10 && quietPeer.packets.count == 10 })
        let loudSSRCs = Set(try loudPeer.packets.map { try RTPPacket(parsing: $0.bytes).ssrc })
        let quietSSRCs = Set(try quietPeer.packets.map { try RTPPacket(parsing: $0.bytes).ssrc })
        #expect(loudSSRCs.count == 1 && quietSSRCs.count == 1 && loudSSRCs != quietSSRCs)
        await loud.close()
        await quiet.close()
        await engine.shutdown()
    }

    @Test func unknownSourcesAreDroppedAndCounted() async throws {
        let metrics = TestMetrics()
        let engine = RTPMediaEngine(configuration: .init(host: "127.0.0.1", portRange: 41400...41499, socketMode: .shared), group: Self.oneLoop,
                                    metricsFactory: metrics, logger: Logger(label: "t"))
        let session = try await engine.openSession(for: "c", transport: .rtp)
        let caller = try await UDPPeer()
        let stranger = try await UDPPeer()
        try await session.connect(attachment(peer: caller))
        let port = Int(session.offer.externalHost.split(separator: ":")[1])!
        for packet in ulawPackets(frequency: 1000, ssrc: 9, count: 5) { try await stranger.send(packet, to: port) }
        #expect(await eventually { metrics.total("voicegw_rtp_packets_dropped_total") == 5 })
        for packet in ulawPackets(frequency: 1000, ssrc: 1, count: 3) { try await caller.send(packet, to: port) }
        #expect(await eventually { metrics.total("voicegw_rtp_packets_received_total") == 3 })
        #expect(metrics.total("voicegw_rtp_packets_dropped_total") == 5, "the caller's packets are not dropped")

        // Once the call is closed its source is unknown too.
        await session.close()
        try await caller.send(ulawPackets(frequency: 1000, ssrc: 1, count: 1)[0], to: port)
        #expect(await eventually { metrics.total("voicegw_rtp_packets_dropped_total") == 6 })
        await engine.shutdown()
    }

    /// Sessions on one shared socket, on a loop whose time only moves when the test says so: every tick
    /// sends exactly one packet per playing call, all flushed together at the end of the tick.
    @Test func batchedSendsKeepEveryCallPacedAtTwentyMilliseconds() async throws {
        let loop = NIOAsyncTestingEventLoop()
        let io = MemoryDatagramIO()
        let metrics = MediaMetrics(factory: NOOPMetricsHandler.instance)
        let socket = RTPSocket(io: io, eventLoop: loop, routing: .bySource, metrics: metrics, logger: Logger(label: "t"), now: { .zero })
        let ticker = PacingTicker(eventLoop: loop)
        ticker.add(socket: socket)
        var sessions: [RTPMediaSession] = []
        for i in 0..<3 {
            let session = RTPMediaSession(
                host: "127.0.0.1", socket: socket, inboundFormat: .ulaw, outbound: .ulaw, jitterDepth: .milliseconds(60),
                ticker: ticker, metrics: metrics, logger: Logger(label: "t"), now: { .zero }, onClose: {})
            try await session.connect(MediaAttachment(
                callChannel: ChannelID("c\(i)"), mediaChannel: ChannelID("m\(i)"), bridge: nil,
                variables: ["UNICASTRTP_LOCAL_ADDRESS": "127.0.0.1", "UNICASTRTP_LOCAL_PORT": "\(5000 + i)"]))
            session.start()
            sessions.append(session)
        }
        let audio = AudioFrame(samples: tone(440, rate: 16_000, seconds: 0.5), sampleRate: 16_000)
        let playbacks = sessions.map { session in Task { try await session.play(audioStream([audio])) {} } }
        #expect(await eventually { sessions.allSatisfy { $0.queuedFrames == 25 } })

        var perCall: [Int: [RTPPacket]] = [:]
        for tick in 0..<20 {
            if tick == 10 { await sessions[0].flush() }
            await loop.advanceTime(by: .milliseconds(20))
            let batches = io.takeSent()
            #expect(batches.count == 1, "tick \(tick): one batch (one sendmmsg) per tick")
            var sent: [Int] = []
            for (destination, bytes) in batches.joined() {
                sent.append(Int(destination.port))
                perCall[Int(destination.port), default: []].append(try RTPPacket(parsing: bytes))
            }
            let playing = tick < 10 ? [5000, 5001, 5002] : [5001, 5002]
            #expect(sent.sorted() == playing, "tick \(tick): one packet per playing call, sent \(sent)")
        }
        #expect(perCall[5000]?.count == 10, "flush stopped the first call within one tick")
        for packets in perCall.values {
            #expect(packets.enumerated().allSatisfy { $0.element.marker == ($0.offset == 0) }, "marker only on the first packet")
            for i in 1..<packets.count {
                #expect(packets[i].sequenceNumber == packets[i - 1].sequenceNumber &+ 1)
                #expect(packets[i].timestamp == packets[i - 1].timestamp &+ 160)
            }
        }
        for session in sessions { await session.close() }
        for playback in playbacks { _ = try? await playback.value }
    }
}

/// A socket in memory: records each batch sent (one `sendmmsg`), and has nothing to read.
final class MemoryDatagramIO: DatagramBatchIO, Sendable {
    let localPort = 40_000
    private let sent = Mutex<[[(RTPEndpoint, [UInt8])]]>([])

    func drain(_ body: (UnsafeRawBufferPointer?, RTPEndpoint, Duration) -> Void) {}

    func send(_ batch: DatagramBatch) -> Int {
        let packets = (0..<batch.count).map { (batch.destination(at: $0), batch.bytes(at: $0)) }
        sent.withLock { $0.append(packets) }
        return packets.count
    }

    func close() {}

    /// The batches sent since the last call.
    func takeSent() -> [[(RTPEndpoint, [UInt8])]] {
        sent.withLock { sent in
            defer { sent = [] }
            return sent
        }
    }
}
