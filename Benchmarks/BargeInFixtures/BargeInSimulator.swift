import Application
import AudioCodecs
import Domain
import Foundation

/// What the barge-in logic did with one fixture.
public struct BargeInOutcome: Sendable {
    public var fixture: String
    public var kind: BargeInFixture.Kind
    /// Times the prompt was held (voice came over it).
    public var holds = 0
    /// Times a held prompt went on.
    public var resumes = 0
    /// Whether the prompt was cut for good (an interruption confirmed).
    public var cut = false
    /// Interruptions: from the caller's first voiced frame to the first frame not sent (ms; 0 when the
    /// prompt was already held when the caller started).
    public var stopDelayMs: Double?
    /// Whether the whole prompt was played.
    public var promptCompleted = false
}

/// Runs fixtures through the daemon's barge-in logic in a closed loop, frame by frame: the prompt is
/// played 20 ms at a time; what was played comes back through the echo path (delayed, band-limited,
/// weaker), mixed with the caller's side and coded as G.711 u-law; each inbound frame goes through
/// `CallerVoice` (voice detector and echo guard, with the levels of what was played as reference) and
/// `BargeInJudge`; an onset holds the prompt from the next frame on (the daemon's flush drops the queue
/// within one frame), an abandoned voice resumes it 250 ms before the hold, a confirmed one cuts it.
public enum BargeInSimulator {
    /// `trace` sees each frame: its index, the inbound level, the voice decision, the judge's verdict and the
    /// echo guard.
    public static func run(
        _ fixture: BargeInFixture, judge settings: BargeInJudge.Configuration = .init(), echoGuard: EchoGuard.Configuration = .init(),
        guarded: Bool = true,
        trace: ((_ frame: Int, _ level: Double, _ voiced: Bool, _ verdict: BargeInJudge.Event?, _ guard: EchoGuard) -> Void)? = nil
    ) -> BargeInOutcome {
        var outcome = BargeInOutcome(fixture: fixture.name, kind: fixture.kind)
        let frame = Signal.frame
        let frames = fixture.near.count / frame
        let delay = Int(fixture.echo.delay.components.attoseconds / 62_500_000_000_000) + Int(fixture.echo.delay.components.seconds) * Signal.rate
        let echoGain = Signal.gain(-fixture.echo.returnLossDB)
        let rewind = 250 * Signal.rate / 1000
        var voice = CallerVoice(guarded: guarded)
        voice.echoGuard = EchoGuard(configuration: echoGuard)
        var judge = BargeInJudge(configuration: settings)
        var sent = [Int16](repeating: 0, count: frames * frame)
        var playedLevels = [Double](repeating: -100, count: frames)
        var window = [Double](repeating: -100, count: EchoGuard.Configuration().maxDelayFrames + 1)
        var position = 0
        var state = Playback.playing
        var hybrid = EchoFilter()
        var inbound = [Int16](repeating: 0, count: frame)
        for t in 0..<frames {
            if state == .playing {
                if position >= fixture.prompt.count {
                    state = .done
                    outcome.promptCompleted = true
                } else {
                    let end = min(fixture.prompt.count, position + frame)
                    for i in position..<end { sent[t * frame + i - position] = fixture.prompt[i] }
                    playedLevels[t] = sent[(t * frame)..<(t * frame + frame)].withContiguousStorageIfAvailable {
                        VoiceActivityDetector.levelDB($0)
                    } ?? -100
                    position = end
                }
            }
            for i in 0..<frame {
                let n = t * frame + i
                let echo = n >= delay ? hybrid.process(Double(sent[n - delay])) * echoGain : 0
                inbound[i] = G711.ulawDecode(G711.ulawEncode(Signal.clip(echo + Double(fixture.near[n]))))
            }
            var played = false
            for d in window.indices {
                window[d] = t - d >= 0 ? playedLevels[t - d] : -100
                if window[d] > -100 { played = true }
            }
            let voiced = voice.isCallerSpeech(AudioFrame(samples: inbound, sampleRate: Signal.rate), reference: played ? window : nil)
            let verdict = judge.frame(voiced: voiced)
            trace?(t, VoiceActivityDetector.levelDB(inbound), voiced, verdict, voice.echoGuard)
            guard let verdict else { continue }
            switch (verdict, state) {
            case (.onset, .playing):
                state = .held
                outcome.holds += 1
                if let onset = fixture.speechOnsetFrame, outcome.stopDelayMs == nil, t >= onset - 1 {
                    outcome.stopDelayMs = Double(t + 1 - onset) * 20
                }
            case (.confirmed, .held):
                outcome.cut = true
                if let onset = fixture.speechOnsetFrame, outcome.stopDelayMs == nil { outcome.stopDelayMs = Double(max(0, t + 1 - onset)) * 20 }
                return outcome
            case (.abandoned, .held):
                state = .playing
                outcome.resumes += 1
                position = max(0, position - rewind)
            default:
                break
            }
        }
        return outcome
    }

    private enum Playback {
        case playing, held, done
    }
}

/// A hybrid's band limit on the echo: a one-pole high-pass near 300 Hz and low-pass near 3.4 kHz.
struct EchoFilter {
    private var previousIn = 0.0
    private var highPassed = 0.0
    private var lowPassed = 0.0

    mutating func process(_ x: Double) -> Double {
        highPassed = 0.89 * (highPassed + x - previousIn)
        previousIn = x
        lowPassed += 0.74 * (highPassed - lowPassed)
        return lowPassed
    }
}
