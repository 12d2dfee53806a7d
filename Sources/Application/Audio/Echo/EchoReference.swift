import Domain
import Synchronization

/// The levels of what the daemon played to the caller, per 20 ms slot of the monotonic clock: the
/// reference the `EchoGuard` predicts the echo from.
///
/// The player records each frame as it hands it to the media session, which sends one frame per 20 ms
/// from then on (possibly after frames queued before it), so a frame is placed in the slot after the last
/// one recorded, or now. A flush (barge-in) drops what was queued but not sent: `truncate(at:)`.
public final class EchoReference: Sendable {
    /// 10 s: a synthesized chunk is recorded whole as the player takes it, ahead of its sending.
    static let slots = 512

    private struct State {
        var levels = [Double](repeating: -100, count: EchoReference.slots)
        /// The absolute slot each ring entry holds (stale entries read as silence).
        var owners = [Int64](repeating: -1, count: EchoReference.slots)
        /// The slot the next recorded frame goes to, at the earliest.
        var next: Int64 = 0

        /// Places a frame of `level` in the slot after the last one recorded, or in `current`.
        mutating func place(_ level: Double, current: Int64) {
            let slot = max(next, current)
            let index = Int(slot % Int64(EchoReference.slots))
            levels[index] = level
            owners[index] = slot
            next = slot + 1
        }
    }
    private let state = Mutex(State())

    public init() {}

    static func slot(_ time: Duration) -> Int64 {
        let (seconds, attoseconds) = time.components
        return seconds * 50 + attoseconds / 20_000_000_000_000_000
    }

    /// Records a played frame of `level` dBFS, handed to the media session at `now`.
    public func record(level: Double, now: Duration) {
        let current = Self.slot(now)
        state.withLock { $0.place(level, current: current) }
    }

    /// Records `samples` (any rate) in 20 ms pieces, under one lock.
    public func record(_ frame: AudioFrame, now: Duration) {
        let size = max(1, frame.sampleRate / 50)
        let current = Self.slot(now)
        frame.samples.withUnsafeBufferPointer { samples in
            state.withLock { state in
                var start = 0
                while start < samples.count {
                    let end = min(samples.count, start + size)
                    state.place(VoiceActivityDetector.levelDB(UnsafeBufferPointer(rebasing: samples[start..<end])), current: current)
                    start = end
                }
            }
        }
    }

    /// Forgets frames queued after `now` (they were flushed, never sent).
    public func truncate(at now: Duration) {
        let current = Self.slot(now)
        state.withLock { state in
            guard state.next > current + 1 else { return }
            for slot in (current + 1)..<state.next {
                let index = Int(slot % Int64(Self.slots))
                if state.owners[index] == slot { state.owners[index] = -1 }
            }
            state.next = current + 1
        }
    }

    /// The levels played at `now` and the `into.count - 1` slots before it (index 0: now); silence
    /// where nothing was played. False, with `levels` left as they were, when nothing was played in that
    /// window nor queued after it (the guard has no work to do).
    @discardableResult
    public func levels(at now: Duration, into levels: inout [Double]) -> Bool {
        let current = Self.slot(now)
        return state.withLock { state in
            guard state.next > 0, state.next > current - Int64(levels.count) else { return false }
            for d in levels.indices {
                let slot = current - Int64(d)
                let index = Int(((slot % Int64(Self.slots)) + Int64(Self.slots)) % Int64(Self.slots))
                levels[d] = slot >= 0 && state.owners[index] == slot ? state.levels[index] : -100
            }
            return true
        }
    }
}
