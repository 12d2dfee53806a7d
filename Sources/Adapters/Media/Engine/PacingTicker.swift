import NIOCore
import Synchronization

/// One 20 ms clock per event loop that sends the next frame of every session on that loop.
///
/// Ticks are scheduled at absolute deadlines (`start + n * 20 ms`), so they do not drift; a late loop
/// skips the ticks it missed instead of firing them back to back, so no call ever gets a burst. The
/// loop's sockets are driven by the same clock: each tick ends with every socket sending what the sessions
/// wrote (`flush`) and then reading what arrived (`poll`), and half-way between two ticks the sockets are
/// read again, so inbound audio waits at most 10 ms in the kernel and its buffers stay small.
final class PacingTicker: @unchecked Sendable {
    /// Something that sends at most one frame per tick.
    protocol Client: AnyObject, Sendable {
        /// Called on the ticker's event loop; `index` counts 20 ms periods since the ticker started.
        func tick(_ index: UInt64)
    }

    /// A socket driven by the ticker (on its event loop).
    protocol Socket: AnyObject, Sendable {
        /// Sends what the clients wrote during the tick (after every client's `tick`).
        func flush()
        /// Reads what has arrived (after `flush`, and half-way to the next tick).
        func poll()
    }

    static let period = TimeAmount.milliseconds(20)
    static let schedule = PacingSchedule(period: period.nanoseconds)
    let eventLoop: any EventLoop
    /// Where in the 20 ms period this loop ticks (nanoseconds past a multiple of the period on the uptime
    /// clock), or nil to tick 20 ms after the first session arrives.
    let phase: Int64?
    // Touched only on `eventLoop`.
    private var clients: [ObjectIdentifier: any Client] = [:]
    private var sockets: [ObjectIdentifier: any Socket] = [:]
    private var start: NIODeadline?
    private var index: UInt64 = 0
    private var scheduled: Scheduled<Void>?

    init(eventLoop: any EventLoop, phase: Int64? = nil) {
        self.eventLoop = eventLoop
        self.phase = phase
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

    /// Drives `socket` from now on: flushed at the end of every tick, polled then and half a tick later. The
    /// ticker keeps running while it has sockets, so datagrams are read (and unknown ones counted) even
    /// when no session is sending.
    func add(socket: any Socket) {
        eventLoop.execute {
            self.sockets[ObjectIdentifier(socket)] = socket
            if self.scheduled == nil { self.begin() }
        }
    }

    func remove(socket: any Socket) {
        eventLoop.execute {
            self.sockets.removeValue(forKey: ObjectIdentifier(socket))
        }
    }

    /// The tick index now (for a session that starts sending).
    var currentIndex: UInt64 { index }

    private func begin() {
        let now = eventLoop.now
        if start == nil {
            start = phase.map { .uptimeNanoseconds(Self.schedule.start(phase: $0, now: now.uptimeNanoseconds)) } ?? now
        }
        schedule(after: now)
    }

    private func schedule(after now: NIODeadline) {
        guard let start else { return }
        let next = Self.schedule.next(start: start.uptimeNanoseconds, now: now.uptimeNanoseconds)
        index = next.index
        let deadline = NIODeadline.uptimeNanoseconds(next.deadline)
        scheduled = eventLoop.scheduleTask(deadline: deadline) { [self] in
            fire(deadline)
        }
    }

    private func fire(_ deadline: NIODeadline) {
        let current = index
        for client in clients.values { client.tick(current) }
        for socket in sockets.values { socket.flush() }
        for socket in sockets.values { socket.poll() }
        if clients.isEmpty && sockets.isEmpty {
            scheduled = nil
            return
        }
        if !sockets.isEmpty {
            eventLoop.scheduleTask(deadline: deadline + .nanoseconds(Self.period.nanoseconds / 2)) { [self] in
                for socket in sockets.values { socket.poll() }
            }
        }
        schedule(after: eventLoop.now)
    }
}

/// Where the next tick goes: the first multiple of `period` after `now`, counted from `start`.
/// Absolute deadlines keep a long run free of drift; a loop that wakes up late skips the ticks it
/// missed rather than firing them back to back, so no session ever sends a burst.
struct PacingSchedule: Hashable, Sendable {
    let period: Int64

    /// The next tick's index and deadline (uptime nanoseconds).
    func next(start: UInt64, now: UInt64) -> (index: UInt64, deadline: UInt64) {
        let elapsed = now >= start ? now - start : 0
        let step = UInt64(period)
        let index = elapsed / step + 1
        return (index, start + index * step)
    }

    /// The last instant at or before `now` that lies `phase` nanoseconds past a multiple of the period.
    func start(phase: Int64, now: UInt64) -> UInt64 {
        let step = UInt64(period)
        let offset = UInt64(phase) % step
        let grid = now - now % step + offset
        return grid <= now ? grid : (grid >= step ? grid - step : grid)
    }

    /// The phase of the `n`-th loop: 0, 1/2, 1/4, 3/4, 1/8 … of the period (the van der Corput sequence), so
    /// any number of loops tick as far apart as they can without knowing how many there are, and two loops
    /// never do their tick's work at the same moment.
    func phase(ofLoop n: Int) -> Int64 {
        var fraction = 0.0, weight = 0.5, rest = n
        while rest > 0 {
            if rest & 1 == 1 { fraction += weight }
            rest >>= 1
            weight /= 2
        }
        return Int64(fraction * Double(period))
    }
}

/// One ticker per event loop, shared by every session of a transport on that loop. Each loop ticks at its
/// own phase of the period (``PacingSchedule/phase(ofLoop:)``): with two loops on two cores one ticks at
/// 0 ms and the other at 10 ms, so their bursts of work (and of packets) never compete for the CPU.
final class PacingTickers: Sendable {
    private let tickers = Mutex<[ObjectIdentifier: PacingTicker]>([:])

    /// The ticker of `loop`, created on first use.
    func ticker(for loop: any EventLoop) -> PacingTicker {
        tickers.withLock { tickers in
            if let existing = tickers[ObjectIdentifier(loop)] { return existing }
            let phase = PacingTicker.schedule.phase(ofLoop: tickers.count)
            let ticker = PacingTicker(eventLoop: loop, phase: phase)
            tickers[ObjectIdentifier(loop)] = ticker
            return ticker
        }
    }
}

/// The default monotonic clock of the media path.
public enum MonotonicTime {
    private static let origin = ContinuousClock.now
    /// Time since the process's first use of the media clock.
    @Sendable public static func now() -> Duration { ContinuousClock.now - origin }
}
