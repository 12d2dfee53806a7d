import Logging
import NIOCore

/// A UDP socket and the RTP sessions it serves, on one event loop.
///
/// Two ways to use it (`media.rtp.socket`): a socket per call (`sole`: every datagram belongs to the one
/// session, whose peer is learnt from where valid media comes from), or one socket per event loop shared by
/// all of that loop's calls (`bySource`): Asterisk sends each channel's RTP from its own
/// `UNICASTRTP_LOCAL_ADDRESS:PORT`, so the source address names the call; datagrams from any other source are
/// dropped and counted.
///
/// Nothing waits on the socket: the loop's pacing ticker drives it. Sessions write their packets during the
/// tick into one batch that leaves in one `sendmmsg` at the end of the tick (`flush`); then, and again half a
/// tick later, what has arrived is read with `recvmmsg` and routed (`poll`). Arrival times are the kernel's,
/// so the jitter buffers see when a packet really came, not when it was read.
final class RTPSocket: PacingTicker.Socket, @unchecked Sendable {
    /// How datagrams find their session.
    enum Routing {
        /// One session owns the socket and takes every source.
        case sole
        /// Sessions are found by the source address they registered.
        case bySource
    }

    let io: any DatagramBatchIO
    let eventLoop: any EventLoop
    let routing: Routing
    /// The bound port (what the session offers as `external_host`).
    var localPort: Int { io.localPort }
    private let metrics: MediaMetrics
    private let logger: Logger
    private let now: @Sendable () -> Duration
    // Touched only on `eventLoop`.
    private var sessions: [RTPEndpoint: RTPMediaSession] = [:]
    private var sole: RTPMediaSession?
    private let outbound = DatagramBatch()
    private var warnedUnknownSource = false
    private var closed = false

    init(io: any DatagramBatchIO, eventLoop: any EventLoop, routing: Routing, metrics: MediaMetrics, logger: Logger,
         now: @escaping @Sendable () -> Duration) {
        self.io = io
        self.eventLoop = eventLoop
        self.routing = routing
        self.metrics = metrics
        self.logger = logger
        self.now = now
    }

    // MARK: Routing (any thread; applied on the loop)

    /// Routes datagrams to `session`: every datagram (`sole`), or those from `source` (`bySource`).
    /// A source already registered is taken over by the newer session (the older call has ended in Asterisk).
    func attach(_ session: RTPMediaSession, source: RTPEndpoint?) async {
        try? await eventLoop.submit {
            switch self.routing {
            case .sole: self.sole = session
            case .bySource:
                guard let source else { return }
                self.sessions[source] = session
            }
        }.get()
    }

    /// Stops routing to `session` (its call ended).
    func detach(_ session: RTPMediaSession) async {
        try? await eventLoop.submit {
            if self.sole === session { self.sole = nil }
            for (source, owner) in self.sessions where owner === session { self.sessions.removeValue(forKey: source) }
        }.get()
    }

    // MARK: Datagrams (on the loop)

    /// Reads and routes every datagram waiting (end of each tick and half-way through it).
    func poll() {
        guard !closed else { return }
        let now = self.now()
        io.drain { bytes, source, age in
            receive(bytes, from: source, arrival: now - age)
        }
    }

    /// One datagram from the socket.
    func receive(_ bytes: UnsafeRawBufferPointer?, from source: RTPEndpoint, arrival: Duration) {
        let session: RTPMediaSession?
        switch routing {
        case .sole: session = sole
        case .bySource: session = sessions[source]
        }
        guard let session else {
            metrics.drop("unknown_source")
            if routing == .bySource, !warnedUnknownSource {
                // Once per socket: a NAT between Asterisk and the daemon rewrites sources (use per_call there).
                warnedUnknownSource = true
                logger.warning("RTP from an unknown source dropped (counted from now on)",
                               metadata: ["rtp.source": "\(source)", "rtp.local_port": "\(localPort)"])
            }
            return
        }
        guard let bytes else {
            metrics.drop("oversized")
            return
        }
        session.receive(bytes, from: source, arrival: arrival)
    }

    /// Queues one packet to `remote`; `write` fills the datagram in place and returns its length. It leaves
    /// at the end of the tick (`flush`).
    func write(to remote: RTPEndpoint, _ write: (UnsafeMutableRawBufferPointer) -> Int) {
        outbound.append(to: remote, write)
    }

    /// The end of each pacing tick: everything the sessions wrote this tick leaves at once.
    func flush() {
        guard outbound.count > 0 else { return }
        let queued = outbound.count
        let sent = closed ? 0 : io.send(outbound)
        outbound.removeAll()
        metrics.packetsOut.increment(by: sent)
        if sent < queued { metrics.sendFailures.increment(by: queued - sent) }
    }

    /// Closes the socket (on its loop, between two ticks).
    func close() async {
        try? await eventLoop.submit {
            self.closed = true
            self.io.close()
        }.get()
    }
}
