import ServiceLifecycle

/// Runs `body` until it returns or graceful shutdown starts, then cancels it (the connections' run loops).
func cancellingOnGracefulShutdown(_ body: @escaping @Sendable () async -> Void) async {
    await withTaskGroup(of: Void.self) { group in
        group.addTask { await body() }
        group.addTask { try? await gracefulShutdown() }
        await group.next()
        group.cancelAll()
    }
}
