import Domain
import Synchronization

/// Runs `body` with a deadline on `clock` and returns as soon as either finishes: unlike a task group,
/// a provider call that ignores cancellation cannot hold the caller past the deadline (it is cancelled
/// and left to finish on its own). Every failure comes out as a classified `ProviderError`.
func providerDeadline<T: Sendable>(
    _ limit: Duration, clock: any Domain.Clock, provider: String,
    _ body: @escaping @Sendable () async throws -> T
) async throws(ProviderError) -> T {
    let gate = ResumeOnce<T>()
    do {
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                gate.install(continuation)
                let work = Task {
                    do { gate.resume(.success(try await body())) } catch { gate.resume(.failure(error)) }
                }
                let timer = Task {
                    do { try await clock.sleep(for: limit) } catch { return }
                    gate.resume(.failure(ProviderError(.timeout, provider: provider, "no answer within \(limit.milliseconds) ms")))
                    work.cancel()
                }
                gate.onResume { timer.cancel() }
                gate.onCancel { work.cancel() }
            }
        } onCancel: {
            gate.cancel(ProviderError(.cancelled, provider: provider, "cancelled"))
        }
    } catch let error as ProviderError {
        throw error
    } catch is CancellationError {
        throw ProviderError(.cancelled, provider: provider, "cancelled")
    } catch {
        throw ProviderError(.badResponse, provider: provider, "\(error)")
    }
}

/// Resumes a continuation exactly once, whoever comes first (result, timer, cancellation).
private final class ResumeOnce<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var pending: Result<T, any Error>?
        var done = false
        var onResume: [@Sendable () -> Void] = []
        var onCancel: [@Sendable () -> Void] = []
    }
    private let state = Mutex(State())

    func install(_ continuation: CheckedContinuation<T, any Error>) {
        let pending: Result<T, any Error>? = state.withLock { state in
            if let pending = state.pending { return pending }
            state.continuation = continuation
            return nil
        }
        if let pending { continuation.resume(with: pending) }
    }

    func resume(_ result: Result<T, any Error>) {
        let (continuation, hooks): (CheckedContinuation<T, any Error>?, [@Sendable () -> Void]) = state.withLock { state in
            guard !state.done else { return (nil, []) }
            state.done = true
            guard let continuation = state.continuation else {
                state.pending = result
                return (nil, state.onResume)
            }
            state.continuation = nil
            return (continuation, state.onResume)
        }
        continuation?.resume(with: result)
        hooks.forEach { $0() }
    }

    func onResume(_ hook: @escaping @Sendable () -> Void) {
        let runNow = state.withLock { state in
            if state.done { return true }
            state.onResume.append(hook)
            return false
        }
        if runNow { hook() }
    }

    func onCancel(_ hook: @escaping @Sendable () -> Void) {
        state.withLock { $0.onCancel.append(hook) }
    }

    func cancel(_ error: ProviderError) {
        let hooks = state.withLock { $0.onCancel }
        hooks.forEach { $0() }
        resume(.failure(error))
    }
}
