import Domain
@testable import Media
import Testing

@Suite("AudioSocket, chan_websocket and L16 framing")
struct FramingTests {
    // What chan_audiosocket sends first for data=6f3e1d2c-4b5a-4978-8695-a4b3c2d1e0f9.
    static let uuidFrame: [UInt8] = [0x01, 0x00, 0x10, 0x6F, 0x3E, 0x1D, 0x2C, 0x4B, 0x5A, 0x49, 0x78, 0x86, 0x95, 0xA4, 0xB3, 0xC2, 0xD1, 0xE0, 0xF9]

    @Test func parsesTheUUIDFrame() throws {
        let (frame, consumed) = try #require(try AudioSocketFrame.parse(Self.uuidFrame))
        #expect(consumed == 19)
        #expect(frame.kind == .uuid)
        #expect(frame.uuidString == "6f3e1d2c-4b5a-4978-8695-a4b3c2d1e0f9")
        #expect(AudioSocketFrame.uuid("6F3E1D2C-4B5A-4978-8695-A4B3C2D1E0F9")?.bytes == Self.uuidFrame)
    }

    @Test func parsesSlin16AndDTMFFramesFromAStream() throws {
        // A 0x12 frame of two samples (1, -2 little-endian), then a DTMF '5', then half a frame.
        let stream: [UInt8] = [0x12, 0x00, 0x04, 0x01, 0x00, 0xFE, 0xFF, 0x03, 0x00, 0x01, 0x35, 0x10, 0x01]
        let (audio, n1) = try #require(try AudioSocketFrame.parse(stream))
        #expect(audio.kind == .slin16 && audio.kind.sampleRate == 16_000)
        #expect(L16.decodeLittleEndian(audio.payload) == [1, -2])
        let rest = stream[n1...]
        let (dtmf, n2) = try #require(try AudioSocketFrame.parse(rest))
        #expect(dtmf.kind == .dtmf && dtmf.payload == [0x35])
        #expect(try AudioSocketFrame.parse(rest.dropFirst(n2)) == nil, "needs more bytes")
        #expect(AudioSocketFrame(kind: .slin16, payload: [0x01, 0x00, 0xFE, 0xFF]).bytes == Array(stream[0..<7]))
    }

    @Test func rejectsMalformedFrames() {
        #expect(throws: AudioSocketFrame.ParseError.oversized) { try AudioSocketFrame.parse([0x12, 0xFF, 0xFF]) }
        #expect(throws: AudioSocketFrame.ParseError.unknownKind) { try AudioSocketFrame.parse([0x42, 0x00, 0x00]) }
        #expect(throws: AudioSocketFrame.ParseError.badUUID) { try AudioSocketFrame.parse([0x01, 0x00, 0x02, 0x00, 0x00]) }
    }

    @Test func l16BothByteOrders() {
        let samples: [Int16] = [0, 1, -1, 32767, -32768, 0x1234]
        #expect(L16.encodeBigEndian(samples) == [0, 0, 0, 1, 0xFF, 0xFF, 0x7F, 0xFF, 0x80, 0x00, 0x12, 0x34])
        #expect(L16.encodeLittleEndian(samples) == [0, 0, 1, 0, 0xFF, 0xFF, 0xFF, 0x7F, 0x00, 0x80, 0x34, 0x12])
        #expect(L16.decodeBigEndian(L16.encodeBigEndian(samples)) == samples)
        #expect(L16.decodeLittleEndian(L16.encodeLittleEndian(samples)) == samples)
        #expect(L16.decodeLittleEndian([1, 0, 7]) == [1], "a trailing odd byte is ignored")
    }

    @Test func parsesChanWebSocketEvents() throws {
        let start = try MediaWebSocketEvent(parsing:
            "MEDIA_START connection_id:abc123 channel:WebSocket/abc123/0x7f channel_id:1795.12 format:slin16 optimal_frame_size:640 ptime:20")
        guard case .mediaStart(let format, let size, let ptime, let fields) = start else { Issue.record("\(start)"); return }
        #expect(format == "slin16" && size == 640 && ptime == 20)
        #expect(fields["connection_id"] == "abc123")
        #expect(try MediaWebSocketEvent(parsing: "DTMF_END digit:5") == .dtmfEnd(digit: "5"))
        #expect(try MediaWebSocketEvent(parsing: ##"{"event":"DTMF_END","digit":"#","duration_ms":120}"##) == .dtmfEnd(digit: "#"))
        #expect(try MediaWebSocketEvent(parsing: #"{"event":"MEDIA_START","format":"slin16","optimal_frame_size":640,"ptime":20}"#)
            == .mediaStart(format: "slin16", optimalFrameSize: 640, ptime: 20, fields: ["format": "slin16", "optimal_frame_size": "640", "ptime": "20"]))
        #expect(try MediaWebSocketEvent(parsing: "MEDIA_XOFF") == .mediaXOff)
        #expect(try MediaWebSocketEvent(parsing: "QUEUE_DRAINED") == .other("QUEUE_DRAINED"))
        #expect(throws: MediaWebSocketEvent.ParseError.self) { try MediaWebSocketEvent(parsing: "   ") }
        #expect(throws: MediaWebSocketEvent.ParseError.self) { try MediaWebSocketEvent(parsing: "DTMF_END digit:55") }
        #expect(throws: MediaWebSocketEvent.ParseError.self) { try MediaWebSocketEvent(parsing: "{not json") }
        #expect(throws: MediaWebSocketEvent.ParseError.self) { try MediaWebSocketEvent(parsing: "MEDIA_START ptime:20") }
    }
}
