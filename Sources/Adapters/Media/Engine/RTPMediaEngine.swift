import Domain
import Logging
import Metrics
import NIOCore
import NIOPosix
import Synchronization

/// Opens ExternalMedia RTP sessions: one UDP port per call from a configured range, sessions spread
/// over the event loops, each loop with one shared pacing tick.
public final class RTPMediaEngine: MediaEngine {
    /// Where to listen.
    public struct Configuration: Sendable, Hashable {
        /// The address Asterisk sends RTP to (and the engine binds).
        public var host: String
        public var portRange: ClosedRange<Int>

        public init(host: String = "127.0.0.1", portRange: ClosedRange<Int> = 40000...40999) {
            self.host = host
            self.portRange = portRange
        }
    }

    private let configuration: Configuration
    private let group: any EventLoopGroup
    private let allocator: PortAllocator
    private let metrics: MediaMetrics
    private let logger: Logger
    private let tickers = Mutex<[ObjectIdentifier: PacingTicker]>([:])

    public init(configuration: Configuration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                metricsFactory: any MetricsFactory, logger: Logger) {
        self.configuration = configuration
        self.group = group
        self.allocator = PortAllocator(range: configuration.portRange)
        self.metrics = MediaMetrics(factory: metricsFactory)
        self.logger = logger
    }

    /// Ports currently in use.
    public var openSessions: Int { allocator.inUseCount }

    public func openSession(for call: CallID, transport: MediaTransportKind) async throws(ProviderError) -> any MediaSession {
        guard transport == .rtp else {
            throw ProviderError(.badRequest, provider: "media", "transport \(transport.rawValue) is not supported by the RTP engine")
        }
        let loop = group.next()
        let ticker = self.ticker(for: loop)
        var logger = self.logger
        logger[metadataKey: "call.id"] = "\(call)"
        for port in allocator.candidates() where allocator.claim(port) {
            let allocator = self.allocator
            let session = RTPMediaSession(
                host: configuration.host, port: port, ticker: ticker, metrics: metrics, logger: logger,
                onClose: { allocator.release(port) })
            do {
                let channel = try await DatagramBootstrap(group: loop)
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(RTPChannelHandler(session: session))
                        }
                    }
                    .bind(host: configuration.host, port: port).get()
                session.attach(channel)
                metrics.sessionsOpened.increment()
                return session
            } catch {
                allocator.release(port)
                logger.debug("RTP port busy, trying the next", metadata: ["port": "\(port)", "error": "\(error)"])
            }
        }
        metrics.portsExhausted.increment()
        throw ProviderError(.unavailable, provider: "media", "no free RTP port in \(configuration.portRange)")
    }

    private func ticker(for loop: any EventLoop) -> PacingTicker {
        tickers.withLock { tickers in
            if let existing = tickers[ObjectIdentifier(loop)] { return existing }
            let ticker = PacingTicker(eventLoop: loop)
            tickers[ObjectIdentifier(loop)] = ticker
            return ticker
        }
    }
}
