import Logging
import NIOCore

/// A UDP socket and the RTP sessions it serves, on one event loop.
///
/// Two ways to use it (`media.rtp.socket`): a socket per call (`perCall`: every datagram belongs to the one
/// session, whose peer is learnt from where valid media comes from), or one socket per event loop shared by
/// all of that loop's calls (`shared`): Asterisk sends each channel's RTP from its own
/// `UNICASTRTP_LOCAL_ADDRESS:PORT`, so the source address names the call; datagrams from any other source are
/// dropped and counted. Sessions write their packets during the pacing tick without flushing; the ticker
/// flushes each socket once at the end of the tick, so a shared socket sends a whole tick with `sendmmsg`.
final class RTPSocket: PacingTicker.Client, @unchecked Sendable {
    /// How datagrams find their session.
    enum Routing {
        /// One session owns the socket and takes every source.
        case sole
        /// Sessions are found by the source address they registered.
        case bySource
    }

    let channel: any Channel
    let routing: Routing
    /// The bound port (what the session offers as `external_host`).
    let localPort: Int
    private let metrics: MediaMetrics
    private let logger: Logger
    // Touched only on `channel.eventLoop`.
    private var sessions: [SocketAddress: RTPMediaSession] = [:]
    private var sole: RTPMediaSession?
    private var unflushed = false
    private var warnedUnknownSource = false

    init(channel: any Channel, routing: Routing, metrics: MediaMetrics, logger: Logger) {
        self.channel = channel
        self.routing = routing
        self.localPort = channel.localAddress?.port ?? 0
        self.metrics = metrics
        self.logger = logger
    }

    var eventLoop: any EventLoop { channel.eventLoop }

    // MARK: Routing (any thread; applied on the loop)

    /// Routes datagrams to `session`: every datagram (`sole`), or those from `source` (`bySource`).
    /// A source already registered is taken over by the newer session (the older call has ended in Asterisk).
    func attach(_ session: RTPMediaSession, source: SocketAddress?) async {
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

    /// One datagram from the socket.
    func receive(_ envelope: AddressedEnvelope<ByteBuffer>) {
        let session: RTPMediaSession?
        switch routing {
        case .sole: session = sole
        case .bySource: session = sessions[envelope.remoteAddress]
        }
        guard let session else {
            metrics.drop("unknown_source")
            if routing == .bySource, !warnedUnknownSource {
                // Once per socket: a NAT between Asterisk and the daemon rewrites sources (use per_call there).
                warnedUnknownSource = true
                logger.warning("RTP from an unknown source dropped (counted from now on)",
                               metadata: ["rtp.source": "\(envelope.remoteAddress)", "rtp.local_port": "\(localPort)"])
            }
            return
        }
        session.receive(envelope.data.readableBytesView, from: envelope.remoteAddress)
    }

    /// Queues one packet; it leaves at the end of the tick (`tick`).
    func write(_ packet: ByteBuffer, to remote: SocketAddress) {
        channel.write(AddressedEnvelope(remoteAddress: remote, data: packet), promise: nil)
        unflushed = true
    }

    /// The flush at the end of each pacing tick: everything the sessions wrote this tick leaves at once.
    func tick(_ index: UInt64) {
        guard unflushed else { return }
        unflushed = false
        channel.flush()
    }

    func close() async {
        try? await channel.close()
    }
}
