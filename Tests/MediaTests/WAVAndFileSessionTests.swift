import Domain
import Foundation
@testable import Media
import Testing

@Suite("WAV files and the file-backed session")
struct WAVAndFileSessionTests {
    @Test func writerReaderRoundTrip() throws {
        let original = WAVFile(sampleRate: 22_050, samples: tone(440, rate: 22_050, seconds: 0.3))
        let parsed = try WAVFile(bytes: original.bytes)
        #expect(parsed == original)
    }

    @Test func readsStereoUlawAndOddChunks() throws {
        // Stereo PCM16 with an odd-sized unknown chunk before "data": downmixed to mono.
        var bytes = Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WAVE".utf8)
        bytes += Array("fmt ".utf8) + [16, 0, 0, 0, 1, 0, 2, 0, 0x40, 0x1F, 0, 0, 0, 0x7D, 0, 0, 4, 0, 16, 0]
        bytes += Array("LIST".utf8) + [3, 0, 0, 0, 1, 2, 3, 0]
        bytes += Array("data".utf8) + [0xFF, 0xFF, 0xFF, 0xFF] + [0x10, 0x00, 0x30, 0x00, 0xF0, 0xFF, 0xF0, 0xFF]
        let wav = try WAVFile(bytes: bytes)
        #expect(wav.sampleRate == 8000)
        #expect(wav.samples == [32, -16])
        var ulaw = Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WAVE".utf8)
        ulaw += Array("fmt ".utf8) + [18, 0, 0, 0, 7, 0, 1, 0, 0x40, 0x1F, 0, 0, 0x40, 0x1F, 0, 0, 1, 0, 8, 0, 0, 0]
        ulaw += Array("data".utf8) + [2, 0, 0, 0, 0x80, 0x00]
        #expect(try WAVFile(bytes: ulaw).samples == [32124, -32124])
    }

    static let riff: [UInt8] = Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WAVE".utf8)
    static let badFmtCode: [UInt8] = riff + Array("fmt ".utf8) + [16, 0, 0, 0, 9, 0, 1, 0, 0x40, 0x1F, 0, 0, 0, 0, 0, 0, 2, 0, 16, 0]
    static let malformed: [[UInt8]] = [
        [],
        Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WAVX".utf8),
        riff + Array("data".utf8) + [4, 0, 0, 0, 1, 2, 3, 4],
        riff + Array("fmt ".utf8) + [2, 0, 0, 0, 1, 0],
        badFmtCode + Array("data".utf8) + [0, 0, 0, 0],
    ]

    @Test(arguments: malformed)
    func malformedFilesThrow(bytes: [UInt8]) {
        #expect(throws: WAVFile.Error.self) { try WAVFile(bytes: bytes) }
    }

    @Test func randomBytesNeverCrash() {
        var generator = SystemRandomNumberGenerator()
        let header = Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WAVE".utf8)
        for _ in 0..<5000 {
            let tail = (0..<Int.random(in: 0...80, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = try? WAVFile(bytes: header + tail)
        }
    }

    @Test func fileSessionFeedsInputAfterTheGreetingAndRecordsPlayback() async throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("vgw-talk-\(UUID().uuidString).wav").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        var options = FileMediaSession.Options()
        options.realTime = false
        options.tailSilence = .milliseconds(200)
        options.replyTimeout = .seconds(2)
        let session = FileMediaSession(input: WAVFile(sampleRate: 8_000, samples: tone(300, rate: 8_000, seconds: 0.4)), outputPath: output, options: options)
        _ = try await session.play(audioStream([AudioFrame(samples: tone(500, rate: 24_000, seconds: 0.5), sampleRate: 24_000)])) {}
        var frames = 0
        for await frame in session.inbound {
            #expect(frame.samples.count == 320)
            frames += 1
            if frames == 20 {
                // The reply to the caller.
                _ = try await session.play(audioStream([AudioFrame(samples: tone(500, rate: 16_000, seconds: 0.25), sampleRate: 16_000)])) {}
            }
        }
        #expect(frames == 30)  // 400 ms of input + 200 ms of tail
        await session.close()
        let written = try WAVFile.read(path: output)
        #expect(written.sampleRate == 16_000)
        #expect(abs(written.samples.count - 12_000) < 200)
    }
}
