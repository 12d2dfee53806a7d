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
        guard !payload.isEmpty else { return 0 }
        let sum = payload.reduce(0.0) { acc, byte in
            let s = Double(G711.ulawDecode(byte))
            return acc + s * s
        }
        return (sum / Double(payload.count)).squareRoot()
    }

    /// Splits received packets into talk spurts: runs separated by more than `gap` of silence on the wire.
    static func spurts(_ packets: [FakeRTPPeer.Received], gap: Duration = .milliseconds(250)) -> [[FakeRTPPeer.Received]] {
        var result: [[FakeRTPPeer.Received]] = []
        for packet in packets {
            if let last = result.last?.last, packet.at - last.at <= gap {
                result[result.count - 1].append(packet)
            } else {
                result.append([packet])
            }
        }
        return result
    }
}

extension Duration {
    var millisecondsDouble: Double { Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15 }
}
