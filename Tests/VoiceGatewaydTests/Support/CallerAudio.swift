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

    /// Splits what arrived into talk spurts: runs separated by more than `gap` of silence on the wire.
    static func spurts<Item>(_ items: [Item], at time: (Item) -> ContinuousClock.Instant, gap: Duration = .milliseconds(250)) -> [[Item]] {
        var result: [[Item]] = []
        for item in items {
            if let last = result.last?.last, time(item) - time(last) <= gap {
                result[result.count - 1].append(item)
            } else {
                result.append([item])
            }
        }
        return result
    }

    /// Talk spurts of received RTP packets.
    static func spurts(_ packets: [FakeRTPPeer.Received]) -> [[FakeRTPPeer.Received]] {
        spurts(packets, at: \.at)
    }
}

extension Duration {
    var millisecondsDouble: Double { Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15 }
}
