import Domain
import Foundation

/// The real time, for tests against real servers (backoff and TTLs must advance).
public struct WallClock: Domain.Clock {
    private static let origin = ContinuousClock.now

    public init() {}

    public func now() -> Timestamp {
        Timestamp(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000))
    }

    public func monotonic() -> Duration { ContinuousClock.now - Self.origin }

    public func sleep(for duration: Duration) async throws { try await Task.sleep(for: duration) }
}
