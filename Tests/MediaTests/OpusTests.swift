import Domain
import Foundation
@testable import Media
import Testing

/// Signal-to-noise ratio in dB of `decoded` against `reference`, after aligning for codec delay.
func snr(_ reference: [Int16], _ decoded: [Int16]) -> Double {
    var best = -Double.infinity
    for delay in 0..<400 {
        var signal = 0.0, noise = 0.0
        let count = min(reference.count, decoded.count - delay) - 1600
        guard count > 0 else { break }
        for i in 1600..<(1600 + count) {
            let r = Double(reference[i]), d = Double(decoded[i + delay])
            signal += r * r
            noise += (r - d) * (r - d)
        }
        best = max(best, 10 * log10(signal / max(noise, 1)))
    }
    return best
}

@Suite("Opus")
struct OpusTests {
    @Test func roundTripKeepsSpeechBandAudio() throws {
        let encoder = try #require(OpusEncoder(inputRate: 16_000, bitrate: 32_000))
        let decoder = try #require(OpusDecoder(outputRate: 16_000))
        // A two-tone "voice" in the speech band.
        let a = tone(440, rate: 16_000, seconds: 1, amplitude: 6000)
        let b = tone(1250, rate: 16_000, seconds: 1, amplitude: 3000)
        let input = zip(a, b).map { Int16(Int($0) + Int($1)) }
        var output: [Int16] = []
        for start in stride(from: 0, to: input.count, by: 320) {
            let packet = try #require(encoder.encode(Array(input[start..<(start + 320)])))
            #expect(packet.count < 200)
            output += try #require(decoder.decode(packet))
        }
        #expect(output.count == input.count)
        let ratio = snr(input, output)
        #expect(ratio > 10, "SNR \(ratio) dB")
    }

    @Test func lossIsConcealedNotSilenced() throws {
        let encoder = try #require(OpusEncoder(inputRate: 16_000))
        let decoder = try #require(OpusDecoder(outputRate: 16_000))
        let input = tone(300, rate: 16_000, seconds: 0.6, amplitude: 8000)
        var packets: [[UInt8]] = []
        for start in stride(from: 0, to: input.count, by: 320) { packets.append(try #require(encoder.encode(Array(input[start..<(start + 320)])))) }
        for packet in packets.prefix(20) { _ = decoder.decode(packet) }
        let plc = decoder.conceal()
        #expect(plc.count == 320)
        #expect(rms(plc[...]) > 1000, "PLC continues the signal")
        let fec = decoder.conceal(next: packets[22])
        #expect(fec.count == 320)
        // Garbage is refused (a code-3 packet claiming 63 frames), never a crash, and the decoder goes on.
        #expect(decoder.decode([0xFF, 0xFF, 0xFF]) == nil)
        #expect(decoder.decode([]) == nil)
        #expect(decoder.decode([UInt8](repeating: 0x55, count: 1501)) == nil)
        #expect(decoder.decode(packets[23])?.count == 320)
    }

    @Test func rtpDecoderConcealsG711LossWithSilenceAndOpusWithPLC() throws {
        var ulaw = RTPInboundDecoder(format: .ulaw, depth: .milliseconds(40))
        var frames: [AudioFrame] = []
        let payload = tone(1000, rate: 8_000, seconds: 0.02).map(G711.ulawEncode)
        for seq in [0, 1, 3, 4] {
            let packet = RTPPacket(payloadType: 0, sequenceNumber: UInt16(seq), timestamp: UInt32(seq * 160), ssrc: 9, payload: payload)
            _ = ulaw.receive(packet, at: .milliseconds(seq * 20)) { frames.append($0) }
        }
        ulaw.poll(now: .milliseconds(200)) { frames.append($0) }
        #expect(frames.count == 5)
        #expect(frames.allSatisfy { $0.samples.count == 320 && $0.sampleRate == 16_000 })
        // Past the upsampler's filter tail, the lost frame is silence.
        #expect(rms(frames[2].samples[48...]) < 50, "the lost frame is silence")
        #expect(frames[1].rms > 5000)
        #expect(ulaw.jitter.statistics.lost == 1)
        let unknown = RTPPacket(payloadType: 96, sequenceNumber: 5, timestamp: 800, ssrc: 9, payload: payload)
        #expect(ulaw.receive(unknown, at: .milliseconds(100)) { _ in } == .unknownPayloadType)
    }
}
