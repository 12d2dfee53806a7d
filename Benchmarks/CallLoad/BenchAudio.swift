import AudioCodecs
import Foundation
import Media

/// The caller's audio: a recorded phone utterance at 8 kHz (ulaw payloads, RTP) and 16 kHz (slin16
/// frames, AudioSocket), silence, and whether a frame the daemon sent carries sound.
enum BenchAudio {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let wav: WAVFile = {
        let url = root.appendingPathComponent("Tests/Fixtures/speech/balance_sentence.wav")
        guard let data = try? Data(contentsOf: url), let wav = try? WAVFile(bytes: Array(data)) else { fatalError("cannot read \(url.path)") }
        return wav
    }()

    static func frames(at rate: Int) -> [[Int16]] {
        guard let converter = SampleRateConverter(from: wav.sampleRate, to: rate) else { fatalError("no converter to \(rate) Hz") }
        var pcm = converter.process(wav.samples) + converter.process([], final: true)
        let perFrame = rate / 50
        if pcm.count % perFrame != 0 { pcm += [Int16](repeating: 0, count: perFrame - pcm.count % perFrame) }
        return stride(from: 0, to: pcm.count, by: perFrame).map { Array(pcm[$0..<$0 + perFrame]) }
    }

    static let utteranceUlaw = frames(at: 8000).map { $0.map(G711.ulawEncode) }
    /// The index of the utterance's last voiced frame (the recording ends in silence): the end of the
    /// caller's speech, from which the reply is timed.
    static let lastVoicedFrame: Int = {
        let voicedFrames = utteranceUlaw.indices.filter { voiced(ulaw: utteranceUlaw[$0][...]) }
        return voicedFrames.last ?? utteranceUlaw.count - 1
    }()
    static let utteranceSlin16 = frames(at: 16_000)
    static let silenceUlaw = [UInt8](repeating: 0xFF, count: 160)
    static let silenceSlin16 = [Int16](repeating: 0, count: 320)

    /// Whether a ulaw payload is sound (RMS over 500).
    static func voiced(ulaw payload: ArraySlice<UInt8>) -> Bool {
        guard !payload.isEmpty else { return false }
        var sum = 0.0
        for byte in payload { let s = Double(G711.ulawDecode(byte)); sum += s * s }
        return (sum / Double(payload.count)).squareRoot() > 500
    }

    /// Whether little-endian 16-bit PCM is sound (RMS over 500).
    static func voiced(slinLE payload: [UInt8]) -> Bool {
        guard payload.count >= 2 else { return false }
        var sum = 0.0
        for i in stride(from: 0, to: payload.count - 1, by: 2) {
            let s = Double(Int16(bitPattern: UInt16(payload[i]) | UInt16(payload[i + 1]) << 8))
            sum += s * s
        }
        return (sum / Double(payload.count / 2)).squareRoot() > 500
    }
}
