/// The time source of the daemon. Injected everywhere so that timeouts, pacing, endpointing and backoff
/// are tested without sleeping.
public protocol Clock: Sendable {
    /// Wall-clock time, for timestamps in events and call documents.
    func now() -> Timestamp
    /// Monotonic time since an arbitrary origin, for measuring durations and scheduling.
    func monotonic() -> Duration
    /// Suspends for `duration` of this clock's time. Throws `CancellationError` when the task is cancelled.
    func sleep(for duration: Duration) async throws
}
