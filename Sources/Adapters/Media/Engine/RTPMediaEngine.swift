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
        /// One even port per call from this range.
        public var portRange: ClosedRange<Int>
        /// The format asked of Asterisk for caller audio (`format=` of externalMedia).
        public var inboundFormat: RTPPayloadFormat
        /// What the daemon sends: ulaw or alaw (Asterisk drops dynamic payload types on this channel).
        public var outboundFormat: RTPPayloadFormat
        /// How long a gap in the inbound sequence waits for a reordered packet before it is concealed.
        public var jitterDepth: Duration

        /// Outbound formats other than alaw become ulaw.
        public init(
            host: String = "127.0.0.1", portRange: ClosedRange<Int> = 40000...40999, inboundFormat: RTPPayloadFormat = .ulaw,
            outboundFormat: RTPPayloadFormat = .ulaw, jitterDepth: Duration = .milliseconds(60)
        ) {
            self.host = host
            self.portRange = portRange
            self.inboundFormat = inboundFormat
            self.outboundFormat = outboundFormat == .alaw ? .alaw : .ulaw
            self.jitterDepth = jitterDepth
        }
    }

    private let configuration: Configuration
    private let group: any EventLoopGroup
    private let allocator: PortAllocator
    private let metrics: MediaMetrics
    private let logger: Logger
    private let tickers: PacingTickers
    private let now: @Sendable () -> Duration

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

    /// Ports currently in use.
    public var openSessions: Int { allocator.inUseCount }

    /// Binds a free even port on an event loop; throws `unavailable` when the range is used up,
    /// `badRequest` for another transport.
    public func openSession(for call: CallID, transport: MediaTransportKind) async throws(ProviderError) -> any MediaSession {
        guard transport == .rtp else {
            throw ProviderError(.badRequest, provider: "media", "transport \(transport.rawValue) is not supported by the RTP engine")
        }
        let loop = group.next()
        let ticker = tickers.ticker(for: loop)
        var logger = self.logger
        logger[metadataKey: "call.id"] = "\(call)"
        for port in allocator.candidates() where allocator.claim(port) {
            let allocator = self.allocator
            let session = RTPMediaSession(
                host: configuration.host, port: port, inboundFormat: configuration.inboundFormat, outbound: configuration.outboundFormat,
                jitterDepth: configuration.jitterDepth, ticker: ticker, metrics: metrics, logger: logger, now: now,
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
}
