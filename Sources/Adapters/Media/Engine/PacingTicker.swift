import NIOCore

/// One 20 ms clock per event loop that sends the next frame of every session on that loop.
///
/// Ticks are scheduled at absolute deadlines (`start + n * 20 ms`), so they do not drift; a late loop
/// skips the ticks it missed instead of firing them back to back, so no call ever gets a burst.
final class PacingTicker: @unchecked Sendable {
    /// Something that sends at most one frame per tick.
    protocol Client: AnyObject, Sendable {
        /// Called on the ticker's event loop; `index` counts 20 ms periods since the ticker started.
        func tick(_ index: UInt64)
    }

    static let period = TimeAmount.milliseconds(20)
    let eventLoop: any EventLoop
    // Touched only on `eventLoop`.
    private var clients: [ObjectIdentifier: any Client] = [:]
    private var start: NIODeadline?
    private var index: UInt64 = 0
    private var scheduled: Scheduled<Void>?

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func add(_ client: any Client) {
        eventLoop.execute {
            self.clients[ObjectIdentifier(client)] = client
            if self.scheduled == nil { self.begin() }
        }
    }

    func remove(_ client: any Client) {
        eventLoop.execute {
            self.clients.removeValue(forKey: ObjectIdentifier(client))
        }
    }

    /// The tick index now (for a session that starts sending).
    var currentIndex: UInt64 { index }

    private func begin() {
        let now = NIODeadline.now()
        if start == nil { start = now }
        schedule(after: now)
    }

    private func schedule(after now: NIODeadline) {
        guard let start else { return }
        let elapsed = now.uptimeNanoseconds >= start.uptimeNanoseconds ? now.uptimeNanoseconds - start.uptimeNanoseconds : 0
        let period = UInt64(Self.period.nanoseconds)
        let next = elapsed / period + 1
        index = next
        scheduled = eventLoop.scheduleTask(deadline: start + .nanoseconds(Int64(next * period))) { [self] in
            fire()
        }
    }

    private func fire() {
        let current = index
        for client in clients.values { client.tick(current) }
        if clients.isEmpty {
            scheduled = nil
            return
        }
        schedule(after: .now())
    }
}
