import Application
import AudioCodecs
import Foundation
import Media

/// The barge-in fixture set, built from the recorded phone speech in `Tests/Fixtures/speech/phone`
/// (espeak-ng voices at 8 kHz, and recorded noises): the same fixtures on every run.
///
/// - echo: three prompts, each echoed back at delays 10-450 ms and return losses 6-30 dB, over quiet
///   (-60 dBFS) and noisy (-45 dBFS) lines;
/// - noise: coughs, breaths, clicks, hum, tones, pink and brown noise from the recordings, and synthetic
///   coughs and crackle, over the echo, one second into each prompt;
/// - interruptions: every recorded caller utterance, over the echo (each with its own delay and return
///   loss), at the recording's level or 6 dB quieter (never quieter than the echo), starting 0.8-2.5 s
///   into a prompt.
public struct BargeInFixtureSet: Sendable {
    public var fixtures: [BargeInFixture] = []

    public static let delays: [Duration] = [.milliseconds(10), .milliseconds(60), .milliseconds(120), .milliseconds(200), .milliseconds(300), .milliseconds(450)]
    public static let returnLosses: [Double] = [6, 10, 15, 20, 30]

    /// Builds the set from the recordings in `directory`.
    public init(directory: String) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".wav") }.sorted()
        func load(_ name: String) throws -> [Int16] {
            let wav = try WAVFile(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: directory).appendingPathComponent(name))))
            guard wav.sampleRate != Signal.rate else { return wav.samples }
            guard let converter = SampleRateConverter(from: wav.sampleRate, to: Signal.rate) else { return [] }
            return converter.process(wav.samples) + converter.process([], final: true)
        }
        let gap = [Int16](repeating: 0, count: Signal.rate / 10)
        let promptSentences = [
            ["none_i_have_a_question_about_my_bill_enusm7_130.wav", "balance_what_s_my_account_balance_enusm7_160.wav", "agent_transfer_me_to_an_agent_enusm7_220.wav"],
            ["balance_can_you_tell_me_my_balance_enf4_190.wav", "none_hello_is_anyone_there_enf4_220.wav", "goodbye_okay_thank_you_bye_enf4_130.wav"],
            ["agent_i_want_to_talk_to_an_agent_engbscotland_190.wav", "none_can_you_repeat_that_engbscotland_190.wav", "balance_what_is_my_balance_engbscotland_130.wav"],
        ]
        var prompts: [[Int16]] = []
        for sentences in promptSentences {
            var prompt: [Int16] = []
            for sentence in sentences {
                guard names.contains(sentence) else { throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: sentence]) }
                prompt += try load(sentence) + gap
            }
            prompts.append(prompt)
        }
        let tail = Signal.rate  // a second after the prompt
        // Echo only.
        for (p, prompt) in prompts.enumerated() {
            for delay in Self.delays {
                for loss in Self.returnLosses {
                    for noise in [-60.0, -45.0] {
                        let near = Signal.lineNoise(count: prompt.count + tail, levelDB: noise, seed: UInt64(p * 1000 + Int(loss) * 10 + Int(-noise)))
                        fixtures.append(BargeInFixture(
                            name: "echo p\(p) \(delay.components.attoseconds / 1_000_000_000_000_000)ms \(Int(loss))dB noise\(Int(noise))",
                            kind: .echo, prompt: prompt, near: near, echo: .init(delay: delay, returnLossDB: loss)))
                    }
                }
            }
        }
        // Noises over the echo.
        var noises: [(String, [Int16])] = []
        for name in names where name.hasPrefix("none_noise_") && name != "none_noise_silence.wav" { noises.append((name, try load(name))) }
        for (i, length) in [Duration.milliseconds(150), .milliseconds(250), .milliseconds(400)].enumerated() {
            noises.append(("cough \(length.components.attoseconds / 1_000_000_000_000_000)ms", Signal.cough(length: length, levelDB: -14, seed: UInt64(77 + i))))
            noises.append(("crackle \(i)", Signal.crackle(length: .milliseconds(600), levelDB: -18, seed: UInt64(99 + i))))
        }
        for (p, prompt) in prompts.enumerated() {
            for (n, (name, sound)) in noises.enumerated() {
                let echo = BargeInFixture.EchoPath(delay: Self.delays[(n + p) % Self.delays.count], returnLossDB: Self.returnLosses[(n + 2 * p) % Self.returnLosses.count])
                var near = Signal.lineNoise(count: prompt.count + tail, levelDB: -60, seed: UInt64(5000 + n))
                Signal.mix(&near, sound, at: Signal.rate)
                fixtures.append(BargeInFixture(name: "noise p\(p) \(name)", kind: .noise, prompt: prompt, near: near, echo: echo))
            }
        }
        // Real interruptions.
        let speech = names.filter { !$0.hasPrefix("none_noise_") && !promptSentences.joined().contains($0) }
        let offsets = [Signal.rate * 8 / 10, Signal.rate * 3 / 2, Signal.rate * 5 / 2]
        for (i, name) in speech.enumerated() {
            let utterance = try load(name)
            let prompt = prompts[i % prompts.count]
            let loss = Self.returnLosses[i % Self.returnLosses.count]
            let echo = BargeInFixture.EchoPath(delay: Self.delays[(i / 2) % Self.delays.count], returnLossDB: loss)
            // 6 dB quieter only where the echo is 10 dB or more below the prompt.
            let gainDB = loss >= 10 && i % 2 == 1 ? -6.0 : 0
            // The caller starts at least a second before the prompt ends.
            let lead = (Self.onsetFrame(utterance, gainDB: gainDB) ?? 0) * Signal.frame
            let offset = max(0, min(offsets[i % offsets.count], prompt.count - Signal.rate - lead))
            var near = Signal.lineNoise(count: max(prompt.count, offset + utterance.count) + tail, levelDB: -60, seed: UInt64(9000 + i))
            Signal.mix(&near, utterance, at: offset, gainDB: gainDB)
            let onset = Self.onsetFrame(utterance, gainDB: gainDB).map { offset / Signal.frame + $0 }
            fixtures.append(BargeInFixture(
                name: "interruption \(name) \(Int(gainDB))dB echo \(echo.delay.components.attoseconds / 1_000_000_000_000_000)ms \(Int(loss))dB", kind: .interruption, prompt: prompt, near: near, echo: echo,
                speechOnsetFrame: onset))
        }
    }

    /// The first 20 ms frame of `speech` louder than -40 dBFS: where the caller starts talking.
    static func onsetFrame(_ speech: [Int16], gainDB: Double) -> Int? {
        let g = Signal.gain(gainDB)
        for start in stride(from: 0, to: speech.count - Signal.frame, by: Signal.frame) {
            let frame = speech[start..<start + Signal.frame].map { Signal.clip(Double($0) * g) }
            if VoiceActivityDetector.levelDB(frame) > -40 { return start / Signal.frame }
        }
        return nil
    }
}
