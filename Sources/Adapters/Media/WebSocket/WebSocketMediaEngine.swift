import Domain
import Logging
import Metrics
import NIOCore
import NIOPosix

/// Opens chan_websocket sessions: Asterisk creates the WebSocket channel (ARI externalMedia with
/// `transport=websocket&connection_type=server`) and the session connects to it.
public final class WebSocketMediaEngine: MediaEngine {
    /// Where Asterisk's HTTP server is.
    public struct Configuration: Sendable, Hashable {
        /// `ws://HOST:8088` (or `wss://`): the media URL is `<baseURL>/media/<connection id>`.
        public var baseURL: String
        /// How long to wait for MEDIA_START after connecting.
        public var startTimeout: Duration

        /// `baseURL` without a trailing slash (one is removed).
        public init(baseURL: String = "ws://127.0.0.1:8088", startTimeout: Duration = .seconds(5)) {
            self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
            self.startTimeout = startTimeout
        }
    }

    private let configuration: Configuration
    private let group: any EventLoopGroup
    private let metrics: MediaMetrics
    private let logger: Logger
    private let tickers = PacingTickers()

    /// Sessions connect on `group` when `connect` gets the channel's connection id.
    public init(configuration: Configuration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                metricsFactory: any MetricsFactory, logger: Logger) {
        self.configuration = configuration
        self.group = group
        self.metrics = MediaMetrics(factory: metricsFactory)
        self.logger = logger
    }

    /// A session waiting for `connect`; throws `badRequest` for another transport.
    public func openSession(for call: CallID, transport: MediaTransportKind) async throws(ProviderError) -> any MediaSession {
        guard transport == .websocket else {
            throw ProviderError(.badRequest, provider: "media", "transport \(transport.rawValue) is not supported by the WebSocket engine")
        }
        var logger = self.logger
        logger[metadataKey: "call.id"] = "\(call)"
        metrics.sessionsByTransport["websocket"]?.increment()
        return WebSocketMediaSession(
            configuration: configuration, group: group, ticker: tickers.ticker(for: group.next()), metrics: metrics, logger: logger)
    }
}
