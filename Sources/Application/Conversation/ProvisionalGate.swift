import Synchronization

/// Holds the audio of an answer started on a provisional text until the final text settles it: opened
/// with the final text (the answer plays), or discarded (the answer is thrown away).
final class ProvisionalGate: Sendable {
    /// What the final text brings to the held answer.
    struct Release: Sendable, Hashable {
        /// The final text (redacted), for the conversation's log.
        let text: String
        /// When the caller stopped talking (monotonic), for the response latency.
        let speechEndedAt: Duration?
    }

    private enum State {
        case waiting(CheckedContinuation<Release?, Never>?)
        case settled(Release?)
    }

    private let state = Mutex(State.waiting(nil))

    /// Lets the held answer play.
    func open(_ release: Release) { settle(release) }

    /// Throws the held answer away.
    func discard() { settle(nil) }

    /// Waits until the gate is settled: the release, or nil when discarded or the task is cancelled.
    func wait() async -> Release? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (waiter: CheckedContinuation<Release?, Never>) in
                let settled: Release?? = state.withLock { state in
                    switch state {
                    case .settled(let release): return .some(release)
                    case .waiting:
                        state = .waiting(waiter)
                        return .none
                    }
                }
                if case .some(let release) = settled { waiter.resume(returning: release) }
            }
        } onCancel: {
            settle(nil)
        }
    }

    private func settle(_ release: Release?) {
        let waiter: CheckedContinuation<Release?, Never>? = state.withLock { state in
            guard case .waiting(let waiter) = state else { return nil }
            state = .settled(release)
            return waiter
        }
        waiter?.resume(returning: release)
    }
}
