import Foundation
import LoadSupport
import Synchronization

/// One simulated caller: sends a 20 ms frame every tick for the whole call, a recorded utterance every
/// 8 s (the first `firstUtterance` after the call starts), and measures what the daemon sends back:
/// the pacing of its frames and, per utterance, the time from the end of the caller's speech to the
/// first frame of the reply.
let debugGaps = ProcessInfo.processInfo.environment["BENCH_DEBUG"] != nil

final class CallerLine: Sendable {
    /// How the line sends a frame (RTP payload or AudioSocket samples) and whether a received frame is voice.
    struct Wire: Sendable {
        let silence: @Sendable () -> Void
        let utterance: @Sendable (Int) -> Void
        let utteranceFrames: Int
        /// The frame whose sending ends the caller's speech (the rest of the recording is silence).
        let lastVoicedFrame: Int
    }

    private struct State {
        var wire: Wire?
        var tick = 0
        var utteranceStart: Int
        var lastArrival: ContinuousClock.Instant?
        var pacing = PacingStats()
        var awaiting: ContinuousClock.Instant?
        /// Whether the awaited reply's turn was counted (it ended inside the window).
        var awaitingCounted = false
        var measuring = false
        var turns = 0
        var answered = 0
        var repliesMs: [Double] = []
        var frames = 0
        var sinceVoice = 0
    }

    static let utteranceEvery = 400  // ticks: 8 s
    private let state: Mutex<State>

    /// `firstUtterance` in ticks after the media is connected.
    init(firstUtterance: Int) {
        state = Mutex(State(utteranceStart: firstUtterance))
    }

    func connect(_ wire: Wire) { state.withLock { $0.wire = wire } }

    var isConnected: Bool { state.withLock { $0.wire != nil } }

    /// Starts (or ends) the measured window: figures before it are dropped; after it, only the replies to
    /// turns that ended inside it still count.
    func measure(_ on: Bool) {
        state.withLock { state in
            if on { state.pacing = PacingStats(); state.turns = 0; state.answered = 0; state.repliesMs = []; state.frames = 0 }
            state.measuring = on
        }
    }

    /// One 20 ms tick: the next frame of silence or of the utterance.
    func tick(now: ContinuousClock.Instant) {
        let (wire, utteranceFrame) = state.withLock { state -> (Wire?, Int?) in
            guard let wire = state.wire else { return (nil, nil) }
            defer { state.tick += 1 }
            let offset = state.tick - state.utteranceStart
            guard offset >= 0 else { return (wire, nil) }
            if offset < wire.utteranceFrames {
                if offset == wire.lastVoicedFrame {
                    // The end of the caller's speech: a reply still awaited is a turn unanswered.
                    if state.measuring { state.turns += 1 }
                    state.awaiting = now
                    state.awaitingCounted = state.measuring
                }
                if offset == wire.utteranceFrames - 1 { state.utteranceStart += Self.utteranceEvery }
                return (wire, offset)
            }
            return (wire, nil)
        }
        guard let wire else { return }
        if let utteranceFrame { wire.utterance(utteranceFrame) } else { wire.silence() }
    }

    /// A frame from the daemon arrived at `at`; `voiced` says whether it carries sound.
    func received(voiced: Bool, at: ContinuousClock.Instant) {
        state.withLock { state in
            if let last = state.lastArrival {
                let gap = at - last
                // Gaps of a second or more are pauses between replies, not pacing.
                if debugGaps, state.measuring, gap > .milliseconds(30), gap < .seconds(1) {
                    print("late gap \(gap) at frame \(state.sinceVoice) of the reply")
                }
                if state.measuring, gap < .seconds(1) {
                    state.pacing.gap(gap.components.seconds * 1_000_000_000 + gap.components.attoseconds / 1_000_000_000)
                }
            }
            if let last = state.lastArrival, at - last >= .seconds(1) { state.sinceVoice = 0 } else { state.sinceVoice += 1 }
            state.lastArrival = at
            if state.measuring { state.frames += 1 }
            if voiced, let spoken = state.awaiting {
                state.awaiting = nil
                if state.awaitingCounted {
                    state.answered += 1
                    let ms = at - spoken
                    state.repliesMs.append(Double(ms.components.seconds) * 1000 + Double(ms.components.attoseconds) / 1e15)
                }
            }
        }
    }

    /// The figures of the measured window.
    var figures: (pacing: PacingStats, turns: Int, answered: Int, repliesMs: [Double], frames: Int) {
        state.withLock { ($0.pacing, $0.turns, $0.answered, $0.repliesMs, $0.frames) }
    }
}
