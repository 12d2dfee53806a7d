import Foundation
@testable import Media
import Testing

@Suite("G.711 and RTP packets")
struct CodecAndPacketTests {
    @Test func ulawKnownVectors() {
        #expect(G711.ulawDecode(0x00) == -32124)
        #expect(G711.ulawDecode(0x80) == 32124)
        #expect(G711.ulawDecode(0xFF) == 0)
        #expect(G711.ulawDecode(0x7F) == 0)
        #expect(G711.ulawDecode(0xF0) == 120)
        #expect(G711.ulawEncode(0) == 0xFF)
        #expect(G711.ulawEncode(-1) == 0x7F)
        #expect(G711.ulawEncode(32767) == 0x80)
        #expect(G711.ulawEncode(-32768) == 0x00)
        #expect(G711.ulawEncode(1000) == 0xCE)
    }

    @Test func alawKnownVectors() {
        #expect(G711.alawDecode(0xD5) == 8)
        #expect(G711.alawDecode(0x55) == -8)
        #expect(G711.alawDecode(0xAA) == 32256)
        #expect(G711.alawDecode(0x2A) == -32256)
        #expect(G711.alawEncode(0) == 0xD5)
        #expect(G711.alawEncode(32767) == 0xAA)
        #expect(G711.alawEncode(-32768) == 0x2A)
    }

    @Test func everyCodeRoundTrips() {
        for byte in UInt8.min...UInt8.max {
            // 0x7F and 0xFF both decode to 0 (the two zeros); 0 encodes as 0xFF.
            if byte != 0x7F { #expect(G711.ulawEncode(G711.ulawDecode(byte)) == byte) }
            #expect(G711.alawEncode(G711.alawDecode(byte)) == byte)
        }
    }

    @Test func quantisationErrorIsBounded() {
        for sample in stride(from: -32000, through: 32000, by: 37) {
            let s = Int16(sample)
            let error = abs(Int(G711.ulawDecode(G711.ulawEncode(s))) - Int(s))
            #expect(error <= max(4, abs(Int(s)) / 16), "sample \(s) error \(error)")
        }
    }

    // An Asterisk ulaw packet: V=2, PT 0, seq 0x1234, ts 0x000000A0, SSRC 0xDEADBEEF, 160 bytes.
    static let asteriskHeader: [UInt8] = [0x80, 0x00, 0x12, 0x34, 0x00, 0x00, 0x00, 0xA0, 0xDE, 0xAD, 0xBE, 0xEF]

    @Test func parsesAndWritesAFixture() throws {
        let bytes = Self.asteriskHeader + [UInt8](repeating: 0xFF, count: 160)
        let packet = try RTPPacket(parsing: bytes)
        #expect(packet.payloadType == 0)
        #expect(!packet.marker)
        #expect(packet.sequenceNumber == 0x1234)
        #expect(packet.timestamp == 160)
        #expect(packet.ssrc == 0xDEAD_BEEF)
        #expect(packet.payload.count == 160)
        #expect(packet.bytes == bytes)
    }

    @Test func csrcExtensionPaddingAndMarker() throws {
        let bytes: [UInt8] = [0xB1, 0xF6, 0x00, 0x01, 0, 0, 0, 1, 0, 0, 0, 2,  // V2 P X CC=1, M, PT 118
                              0x11, 0x22, 0x33, 0x44,  // CSRC
                              0xBE, 0xDE, 0x00, 0x01, 0xAA, 0xBB, 0xCC, 0xDD,  // extension, 1 word
                              0x01, 0x02,  // payload
                              0x00, 0x00, 0x03]  // padding of 3
        let packet = try RTPPacket(parsing: bytes)
        #expect(packet.marker)
        #expect(packet.payloadType == 118)
        #expect(packet.csrcs == [0x1122_3344])
        #expect(packet.extensionProfile == 0xBEDE)
        #expect(packet.extensionData == [0xAA, 0xBB, 0xCC, 0xDD])
        #expect(packet.payload == [0x01, 0x02])
        #expect(packet.paddingCount == 3)
        #expect(packet.bytes == bytes)
    }

    @Test(arguments: [
        ([0x80, 0x00, 0x00], RTPPacket.ParseError.tooShort),
        ([0x40, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0], .wrongVersion),
        ([0x8F, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4], .csrcPastEnd),
        ([0x90, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0xBE, 0xDE, 0x00, 0x05, 1, 2], .extensionPastEnd),
        ([0x90, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0xBE], .extensionPastEnd),
        ([0xA0, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 9, 0x40], .badPadding),
        ([0xA0, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 9, 0x00], .badPadding),
        ([0x80, 0xC8, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0], .rtcp),
    ] as [([UInt8], RTPPacket.ParseError)])
    func malformedPacketsAreRejected(bytes: [UInt8], expected: RTPPacket.ParseError) {
        #expect(throws: expected) { try RTPPacket(parsing: bytes) }
    }

    @Test func randomBytesNeverCrash() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let count = Int.random(in: 0...64, using: &generator)
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if let packet = try? RTPPacket(parsing: bytes) {
                #expect(packet.payload.count <= bytes.count)
            }
        }
    }
}
