import Synchronization

/// Whether the response playing may go on: shared by the conversation's driver (which pauses, resumes
/// or stops it as the caller talks over it) and the responder (which waits while it is paused).
final class PromptControl: Sendable {
    enum Mode: Sendable, Hashable {
        case playing, paused, stopped
    }

    private struct State {
        var mode = Mode.playing
        var interruptible = true
        var waiters: [Int: CheckedContinuation<Bool, Never>] = [:]
        var nextWaiter = 0
    }
    private let state = Mutex(State())

    var mode: Mode { state.withLock { $0.mode } }

    /// Whether the sentence playing may be cut by the caller's voice (a prompt marked otherwise is not).
    var interruptible: Bool {
        get { state.withLock { $0.interruptible } }
        set { state.withLock { $0.interruptible = newValue } }
    }

    /// Holds playback (the caller may be talking); the responder waits in `mayPlay()`.
    func pause() { state.withLock { if $0.mode == .playing { $0.mode = .paused } } }

    /// Lets a paused response play on.
    func resume() { settle(.playing) }

    /// Ends the response for good: a waiting responder returns.
    func stop() { settle(.stopped) }

    private func settle(_ mode: Mode) {
        let waiters = state.withLock { state -> [CheckedContinuation<Bool, Never>] in
            guard state.mode != .stopped else { return [] }
            state.mode = mode
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume(returning: mode == .playing) }
    }

    /// Returns at once while playing; waits while paused. True: play (on); false: stopped or cancelled.
    func mayPlay() async -> Bool {
        let id = state.withLock { state -> Int in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (waiter: CheckedContinuation<Bool, Never>) in
                let now = state.withLock { state -> Bool? in
                    switch state.mode {
                    case .playing: return Task.isCancelled ? false : true
                    case .stopped: return false
                    case .paused:
                        if Task.isCancelled { return false }
                        state.waiters[id] = waiter
                        return nil
                    }
                }
                if let now { waiter.resume(returning: now) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume(returning: false)
        }
    }
}
