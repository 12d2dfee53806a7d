import Domain

/// Runs `body`, failing with a `timeout` `ProviderError` if it takes longer than `limit` on `clock`.
func withTimeout<T: Sendable>(
    _ limit: Duration, clock: any Domain.Clock, provider: String,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await clock.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw ProviderError(.timeout, provider: provider, "no answer within \(limit.milliseconds) ms")
        }
        return value
    }
}
