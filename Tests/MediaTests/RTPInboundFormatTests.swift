import Domain
import Foundation
import Logging
@testable import Media
import NIOCore
import Testing
import TestSupport

@Suite("RTP inbound formats and malformed packets")
struct RTPInboundFormatTests {
    @Test func opusThroughTheJitterBufferWithALostPacket() throws {
        let encoder = try #require(OpusEncoder(inputRate: 16_000))
        let input = tone(400, rate: 16_000, seconds: 0.4, amplitude: 8000)
        var decoder = RTPInboundDecoder(format: .opus, depth: .milliseconds(40))
        var frames: [AudioFrame] = []
        for n in 0..<20 where n != 10 {
            let payload = try #require(encoder.encode(Array(input[(n * 320)..<(n * 320 + 320)])))
            // RFC 7587: the RTP clock is 48 kHz whatever the encoder's rate: +960 per 20 ms.
            let packet = RTPPacket(payloadType: 107, sequenceNumber: UInt16(500 + n), timestamp: UInt32(n * 960), ssrc: 3, payload: payload)
            #expect(decoder.receive(packet, at: .milliseconds(n * 20)) { frames.append($0) } == nil)
        }
        #expect(frames.count == 20, "19 decoded + 1 concealed")
        #expect(frames.allSatisfy { $0.sampleRate == 16_000 && $0.samples.count == 320 })
        #expect(frames[10].rms > 1000, "the lost frame is concealed from FEC/PLC, not silence")
        #expect(decoder.jitter.statistics.lost == 1)
        #expect(decoder.jitter.statistics.jitter < 1, "timestamps on the 48 kHz clock match the arrivals")
    }

    @Test func slin16BigEndianIsTakenAsIs() {
        var decoder = RTPInboundDecoder(format: .slin16, depth: .milliseconds(60))
        let samples = tone(1000, rate: 16_000, seconds: 0.02, amplitude: 9000)
        let packet = RTPPacket(payloadType: 118, sequenceNumber: 1, timestamp: 320, ssrc: 5, payload: L16.encodeBigEndian(samples))
        var frames: [AudioFrame] = []
        _ = decoder.receive(packet, at: .zero) { frames.append($0) }
        #expect(frames.first?.samples == samples)
        // An odd-sized slin16 payload is refused.
        let odd = RTPPacket(payloadType: 118, sequenceNumber: 2, timestamp: 640, ssrc: 5, payload: [1, 2, 3])
        #expect(decoder.receive(odd, at: .milliseconds(20)) { _ in } == .badPayloadSize)
    }

    @Test(arguments: RTPMediaEngine.SocketMode.allCases)
    func malformedDatagramsAreDroppedAndCounted(mode: RTPMediaEngine.SocketMode) async throws {
        let metrics = TestMetrics()
        let engine = RTPMediaEngine(configuration: .init(host: "127.0.0.1", portRange: 41600...41619, socketMode: mode),
                                    metricsFactory: metrics, logger: Logger(label: "t"))
        let session = try await engine.openSession(for: "bad", transport: .rtp)
        let peer = try await UDPPeer()
        try await session.connect(attachment(peer: peer))
        let port = Int(session.offer.externalHost.split(separator: ":")[1])!
        let good = RTPPacket(payloadType: 0, sequenceNumber: 9, timestamp: 0, ssrc: 1, payload: [UInt8](repeating: 0xFF, count: 160))
        let bad: [[UInt8]] = [
            [0x80],  // too short
            [0x40] + [UInt8](repeating: 0, count: 20),  // version 1
            [0x8F, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1],  // 15 CSRCs past the end
            [0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xBE, 0xDE, 0xFF, 0xFF],  // extension past the end
            [0xA0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xFF],  // padding past the end
            [0x80, 200, 0, 6, 0, 0, 0, 1, 0, 0, 0, 1],  // RTCP sender report on the RTP port
            RTPPacket(payloadType: 96, sequenceNumber: 10, timestamp: 160, ssrc: 1, payload: [1, 2]).bytes,  // unknown PT
            good.bytes,  // duplicate after the good one below
        ]
        try await peer.send(good.bytes, to: port)
        for datagram in bad { try await peer.send(datagram, to: port) }
        #expect(await eventually { metrics.total("voicegw_rtp_packets_dropped_total") >= Int64(bad.count) })
        #expect(metrics.total("voicegw_rtp_packets_received_total") == 1)
        #expect(metrics.total("voicegw_rtp_packets_dropped_total") == Int64(bad.count))
        await session.close()
        await engine.shutdown()
    }
}
