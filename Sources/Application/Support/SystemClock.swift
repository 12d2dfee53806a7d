import Domain
import Foundation

/// The real clock: wall time from the system, monotonic time from `ContinuousClock`.
public struct SystemClock: Domain.Clock {
    private let origin = ContinuousClock.now

    public init() {}

    public func now() -> Timestamp {
        Timestamp(millisecondsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }

    public func monotonic() -> Duration { ContinuousClock.now - origin }

    public func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }
}
