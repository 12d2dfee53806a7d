import Domain

/// When the next connection attempt may be made: exponential backoff on an injected monotonic clock.
/// A value: the connection asks `mayAttempt(at:)` and reports `failed(at:)` / `succeeded()`.
struct ReconnectBackoff: Sendable, Hashable {
    let initial: Duration
    let maximum: Duration
    private(set) var failures = 0
    private(set) var nextAttempt: Duration?

    init(initial: Duration, maximum: Duration) {
        self.initial = initial
        self.maximum = maximum
    }

    /// Whether a connection attempt is allowed at monotonic time `now`.
    func mayAttempt(at now: Duration) -> Bool {
        guard let nextAttempt else { return true }
        return now >= nextAttempt
    }

    /// An attempt failed at `now`: the next one waits twice as long as the last, up to `maximum`.
    mutating func failed(at now: Duration) {
        var delay = initial
        for _ in 0..<min(failures, 30) where delay < maximum { delay = delay * 2 }
        failures += 1
        nextAttempt = now + min(delay, maximum)
    }

    /// The connection is up: the next failure starts again at `initial`.
    mutating func succeeded() {
        failures = 0
        nextAttempt = nil
    }
}
