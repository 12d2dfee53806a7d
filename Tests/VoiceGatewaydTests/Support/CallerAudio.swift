import Domain
import Foundation
import Media
import TestSupport

/// The caller's side of the audio: recorded speech, as Asterisk would send it
/// (ulaw, 160 bytes every 20 ms), and analysis of what the daemon sent back.
enum CallerAudio {
    /// A recorded utterance (`Tests/Fixtures/speech/NAME.wav`, made with `espeak-ng -v en-us -w`) at 8 kHz,
    /// as 20 ms ulaw payloads followed by `trailingSilence` of silence. Recorded rather than synthesized
    /// here: espeak-ng's output drifts with what it synthesized before in the same process.
    static func ulawPayloads(fixture name: String, trailingSilence: Duration = .milliseconds(1000)) throws -> [[UInt8]] {
        let url = DaemonHarness.root.appendingPathComponent("Tests/Fixtures/speech/\(name).wav")
        let wav = try WAVFile(bytes: Array(try Data(contentsOf: url)))
        let (samples, rate) = (wav.samples, wav.sampleRate)
        guard let converter = SampleRateConverter(from: rate, to: 8000) else { throw HarnessError("no converter from \(rate) Hz") }
        var pcm8k = converter.process(samples) + converter.process([], final: true)
        pcm8k += [Int16](repeating: 0, count: Int(trailingSilence.milliseconds) * 8)
        if pcm8k.count % 160 != 0 { pcm8k += [Int16](repeating: 0, count: 160 - pcm8k.count % 160) }
        return stride(from: 0, to: pcm8k.count, by: 160).map { start in
            pcm8k[start..<start + 160].map(G711.ulawEncode)
        }
    }

    /// RMS level of a ulaw payload (0...32768).
    static func rms(ulaw payload: some Collection<UInt8>) -> Double {
        AudioFrame(samples: payload.map(G711.ulawDecode), sampleRate: 8_000).rms
    }

    /// The frames of each playback the daemon announced (`tts.generated` events, in order): its
    /// `audio_ms` / 20 frames at least (the last partial frame may be padded, one more). Frames are
    /// assigned by count, not by timing, so a loaded machine that stalls mid-prompt cannot split or merge
    /// playbacks. A playback appears once all its frames have arrived.
    static func playbacks<Frame>(_ frames: [Frame], events: [[String: Any]]) -> [ArraySlice<Frame>] {
        var result: [ArraySlice<Frame>] = []
        var start = 0
        for expected in expectedFrames(events) {
            guard start + expected <= frames.count else { break }
            result.append(frames[start..<(start + expected)])
            start += expected
        }
        return result
    }

    /// Frames per playback announced in `tts.generated` events.
    static func expectedFrames(_ events: [[String: Any]]) -> [Int] {
        events.filter { $0["type"] as? String == "tts.generated" }.compactMap { event in
            ((event["data"] as? [String: Any])?["audio_ms"] as? Int).map { max(1, $0 / 20) }
        }
    }
}

extension Duration {
    var millisecondsDouble: Double { Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15 }
}
