import Domain
import Logging
import Metrics
import NIOCore
import NIOPosix
import Synchronization

/// Opens ExternalMedia RTP sessions, spread over the event loops, each loop with one shared pacing tick:
/// either one UDP port per call from a configured range, or one port per event loop shared by that loop's
/// calls and demultiplexed by source address (`SocketMode`).
public final class RTPMediaEngine: MediaEngine {
    /// Which sockets carry the calls.
    public enum SocketMode: String, Sendable, Hashable, CaseIterable {
        /// One socket per event loop (the first even ports of the range), calls told apart by the source
        /// Asterisk sends from (`UNICASTRTP_LOCAL_ADDRESS:PORT`); one `sendmmsg`/`recvmmsg` per batch.
        /// Needs Asterisk's packets to arrive from that address (no NAT rewriting the source).
        case shared
        /// One socket per call: any source is accepted and learnt (symmetric RTP), so it works through NAT;
        /// one system call per packet.
        case perCall = "per_call"
    }

    /// Where to listen.
    public struct Configuration: Sendable, Hashable {
        /// The address Asterisk sends RTP to (and the engine binds).
        public var host: String
        /// Even ports from this range: one per call (`perCall`) or one per event loop (`shared`).
        public var portRange: ClosedRange<Int>
        /// Shared sockets or one per call.
        public var socketMode: SocketMode
        /// The format asked of Asterisk for caller audio (`format=` of externalMedia).
        public var inboundFormat: RTPPayloadFormat
        /// What the daemon sends: ulaw or alaw (Asterisk drops dynamic payload types on this channel).
        public var outboundFormat: RTPPayloadFormat
        /// How long a gap in the inbound sequence waits for a reordered packet before it is concealed.
        public var jitterDepth: Duration

        /// Outbound formats other than alaw become ulaw.
        public init(
            host: String = "127.0.0.1", portRange: ClosedRange<Int> = 40000...40999, inboundFormat: RTPPayloadFormat = .ulaw,
            outboundFormat: RTPPayloadFormat = .ulaw, jitterDepth: Duration = .milliseconds(60), socketMode: SocketMode = .shared
        ) {
            self.host = host
            self.portRange = portRange
            self.socketMode = socketMode
            self.inboundFormat = inboundFormat
            self.outboundFormat = outboundFormat == .alaw ? .alaw : .ulaw
            self.jitterDepth = jitterDepth
        }
    }

    let configuration: Configuration
    let group: any EventLoopGroup
    let allocator: PortAllocator
    let metrics: MediaMetrics
    let logger: Logger
    let tickers: PacingTickers
    let now: @Sendable () -> Duration
    /// The shared sockets, one per event loop, bound on first use (`shared` mode).
    let sharedSockets = Mutex<[ObjectIdentifier: EventLoopFuture<RTPSocket>]>([:])
    private let openCount = Mutex(0)

    /// `now` is the monotonic clock of the jitter buffers (injected in tests).
    public init(configuration: Configuration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                metricsFactory: any MetricsFactory, logger: Logger, now: @escaping @Sendable () -> Duration = MonotonicTime.now) {
        self.configuration = configuration
        self.group = group
        self.allocator = PortAllocator(range: configuration.portRange)
        self.metrics = MediaMetrics(factory: metricsFactory)
        self.logger = logger
        self.now = now
        self.tickers = PacingTickers()
    }

    /// Sessions open and not yet closed.
    public var openSessions: Int { openCount.withLock { $0 } }

    /// Opens a session on the next event loop: on that loop's shared socket (bound on first use), or on a
    /// free even port of its own. Throws `unavailable` when no port can be bound, `badRequest` for another
    /// transport.
    public func openSession(for call: CallID, transport: MediaTransportKind) async throws(ProviderError) -> any MediaSession {
        guard transport == .rtp else {
            throw ProviderError(.badRequest, provider: "media", "transport \(transport.rawValue) is not supported by the RTP engine")
        }
        let loop = group.next()
        var logger = self.logger
        logger[metadataKey: "call.id"] = "\(call)"
        let session: RTPMediaSession
        switch configuration.socketMode {
        case .shared:
            let socket = try await sharedSocket(on: loop)
            session = makeSession(socket: socket, logger: logger) {}
        case .perCall:
            let (socket, port) = try await ownSocket(on: loop, logger: logger)
            let allocator = self.allocator
            let ticker = tickers.ticker(for: loop)
            session = makeSession(socket: socket, logger: logger) {
                ticker.remove(socket: socket)
                await socket.close()
                allocator.release(port)
            }
            await socket.attach(session, source: nil)
        }
        session.start()
        openCount.withLock { $0 += 1 }
        metrics.sessionsOpened.increment()
        return session
    }

    private func makeSession(socket: RTPSocket, logger: Logger, onClose: @escaping @Sendable () async -> Void) -> RTPMediaSession {
        RTPMediaSession(
            host: configuration.host, socket: socket, inboundFormat: configuration.inboundFormat, outbound: configuration.outboundFormat,
            jitterDepth: configuration.jitterDepth, ticker: tickers.ticker(for: socket.eventLoop), metrics: metrics, logger: logger, now: now,
            onClose: { [self] in
                await onClose()
                openCount.withLock { $0 -= 1 }
            })
    }

    /// Closes the shared sockets (sessions still open stop receiving). For tests and shutdown.
    public func shutdown() async {
        let sockets = sharedSockets.withLock { sockets in
            defer { sockets.removeAll() }
            return Array(sockets.values)
        }
        for future in sockets {
            if let socket = try? await future.get() {
                tickers.ticker(for: socket.eventLoop).remove(socket: socket)
                await socket.close()
                allocator.release(socket.localPort)
            }
        }
    }
}
