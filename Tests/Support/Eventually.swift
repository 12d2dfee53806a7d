/// Polls `condition` every few milliseconds until it holds or `timeout` passes; returns whether it held.
/// Tests wait on conditions, not on fixed sleeps, so they pass on a loaded machine and fail only when
/// the condition never comes true.
public func eventually(timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return try await condition()
}
