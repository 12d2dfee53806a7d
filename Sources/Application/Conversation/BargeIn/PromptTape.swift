import Domain
import Synchronization

/// The audio of one sentence as it is synthesized, kept so that a prompt paused by a possible
/// interruption can go on from where it stopped (a little before, so the word is heard whole).
final class PromptTape: Sendable {
    /// How far before the pause point a resumed prompt starts again.
    static let rewind = Duration.milliseconds(250)

    private struct State {
        var frames: [AudioFrame] = []
        var finished = false
        var failure: (any Error)?
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    /// The tape, shared with the pump and the players (a `Mutex` cannot be captured itself).
    private final class Storage: Sendable {
        let mutex = Mutex(State())
    }
    private let state = Storage()
    private let pump: Task<Void, Never>

    /// Starts copying `source` onto the tape.
    init(_ source: AsyncThrowingStream<AudioFrame, any Error>) {
        let state = self.state
        pump = Task {
            var failure: (any Error)?
            do {
                for try await frame in source {
                    let waiters = state.mutex.withLock { state in
                        state.frames.append(frame)
                        defer { state.waiters = [] }
                        return state.waiters
                    }
                    for waiter in waiters { waiter.resume() }
                }
            } catch { failure = error }
            let waiters = state.mutex.withLock { state in
                state.finished = true
                state.failure = failure
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume() }
        }
    }

    deinit { pump.cancel() }

    /// The tape from `offset` on (the first frame cut where the offset falls inside it); each frame is
    /// shown to `tap` as it is taken. Ends with the synthesis (and its failure).
    func play(from offset: Duration, tap: @escaping @Sendable (AudioFrame) -> Void) -> AsyncThrowingStream<AudioFrame, any Error> {
        let state = self.state
        return AsyncThrowingStream { continuation in
            let task = Task {
                var index = 0
                var skipped = Duration.zero
                while !Task.isCancelled {
                    let next = state.mutex.withLock { state -> (AudioFrame?, Bool, (any Error)?) in
                        index < state.frames.count ? (state.frames[index], false, nil) : (nil, state.finished, state.failure)
                    }
                    if var frame = next.0 {
                        index += 1
                        let length = frame.duration
                        if skipped + length <= offset {
                            skipped += length
                            continue
                        }
                        if skipped < offset {
                            frame = frame.dropping(offset - skipped)
                            skipped = offset
                        }
                        tap(frame)
                        continuation.yield(frame)
                        continue
                    }
                    if next.1 {
                        if let failure = next.2 { continuation.finish(throwing: failure) } else { continuation.finish() }
                        return
                    }
                    await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
                        let ready = state.mutex.withLock { state -> Bool in
                            if index < state.frames.count || state.finished { return true }
                            state.waiters.append(waiter)
                            return false
                        }
                        if ready { waiter.resume() }
                    }
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}

extension AudioFrame {
    /// The frame without its first `length`.
    func dropping(_ length: Duration) -> AudioFrame {
        let count = min(samples.count, Int(length.milliseconds * Int64(sampleRate) / 1000))
        return AudioFrame(samples: Array(samples[count...]), sampleRate: sampleRate)
    }
}
