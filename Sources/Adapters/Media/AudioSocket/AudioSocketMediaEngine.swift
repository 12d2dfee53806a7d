import Domain
import Logging
import Metrics
import NIOCore
import NIOPosix
import Synchronization

/// The AudioSocket TCP server: sessions are opened with a fresh UUID (passed to Asterisk as the `data`
/// of externalMedia, or written into a dialplan `AudioSocket(UUID,host:port)`), and each connection is
/// matched to its session by the UUID frame Asterisk sends first. With `acceptsDialplanCalls`, a
/// connection whose UUID no session expects is a new media-only call (`MediaCallSource`): the dialplan
/// ran `AudioSocket(UUID,host:port)` without ARI.
public final class AudioSocketMediaEngine: MediaEngine, MediaCallSource {
    /// Where to listen.
    public struct Configuration: Sendable, Hashable {
        /// The address to bind.
        public var host: String
        /// The TCP port (0: any free port, for tests).
        public var port: Int
        /// The `host:port` Asterisk connects to, when it differs from the bound one (NAT, containers).
        public var advertisedHost: String?
        /// Take connections with unknown UUIDs as media-only calls (dialplan `AudioSocket()`); false
        /// drops them (counted as `unknown_uuid`).
        public var acceptsDialplanCalls: Bool

        /// Defaults: `127.0.0.1:9092`, advertised as bound, no dialplan calls.
        public init(host: String = "127.0.0.1", port: Int = 9092, advertisedHost: String? = nil, acceptsDialplanCalls: Bool = false) {
            self.host = host
            self.port = port
            self.advertisedHost = advertisedHost
            self.acceptsDialplanCalls = acceptsDialplanCalls
        }
    }

    private let configuration: Configuration
    private let group: any EventLoopGroup
    let metrics: MediaMetrics
    private let logger: Logger
    private let tickers = PacingTickers()
    private let sessions = Mutex<[String: AudioSocketSession]>([:])
    private let server = Mutex<(any Channel)?>(nil)
    private let dialplanCalls: AsyncStream<MediaOnlyCall>
    private let dialplanCall: AsyncStream<MediaOnlyCall>.Continuation

    /// Call `start()` (or run it as a service) before opening sessions.
    public init(configuration: Configuration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                metricsFactory: any MetricsFactory, logger: Logger) {
        self.configuration = configuration
        self.group = group
        self.metrics = MediaMetrics(factory: metricsFactory)
        self.logger = logger
        (dialplanCalls, dialplanCall) = AsyncStream.makeStream(of: MediaOnlyCall.self, bufferingPolicy: .unbounded)
    }

    public func mediaCalls() -> AsyncStream<MediaOnlyCall> { dialplanCalls }

    /// Binds the TCP server; returns the bound port.
    @discardableResult
    public func start() async throws -> Int {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(AudioSocketFrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(AudioSocketConnectionHandler(engine: self))
                }
            }
            .bind(host: configuration.host, port: configuration.port).get()
        server.withLock { $0 = channel }
        let port = channel.localAddress?.port ?? configuration.port
        logger.info("AudioSocket server listening", metadata: ["audiosocket.host": "\(configuration.host)", "audiosocket.port": "\(port)"])
        return port
    }

    /// Closes the server (sessions close with their calls).
    public func shutdown() async {
        let channel = server.withLock { $0 }
        try? await channel?.close()
    }

    /// Sessions waiting for, or connected to, Asterisk.
    public var openSessions: Int { sessions.withLock { $0.count } }

    /// A session with a fresh UUID for ARI externalMedia (`format=slin16`); throws `unavailable` if the
    /// server is not listening, `badRequest` for another transport.
    public func openSession(for call: CallID, transport: MediaTransportKind) async throws(ProviderError) -> any MediaSession {
        guard transport == .audiosocket else {
            throw ProviderError(.badRequest, provider: "media", "transport \(transport.rawValue) is not supported by the AudioSocket engine")
        }
        return try openSession(for: call, uuid: UUIDv4Text.random(), wireRate: 16_000)
    }

    /// A session for a known UUID: the dialplan `AudioSocket(UUID,host:port)` mode uses `wireRate` 8000
    /// (kind 0x10); ARI externalMedia with `format=slin16` uses 16000 (kind 0x12).
    public func openSession(
        for call: CallID, uuid: String, wireRate: Int, connectTimeout: Duration = .seconds(5)
    ) throws(ProviderError) -> AudioSocketSession {
        guard let bound = server.withLock({ $0?.localAddress?.port }) else {
            throw ProviderError(.unavailable, provider: "media", "the AudioSocket server is not listening")
        }
        guard let key = AudioSocketFrame.uuid(uuid)?.uuidString else {
            throw ProviderError(.badRequest, provider: "media", "\(uuid) is not a UUID")
        }
        var logger = self.logger
        logger[metadataKey: "call.id"] = "\(call)"
        let host = configuration.advertisedHost ?? "\(configuration.host):\(bound)"
        let session = AudioSocketSession(
            uuid: key, externalHost: host, wireRate: wireRate == 8_000 ? 8_000 : 16_000, tickers: tickers, metrics: metrics,
            logger: logger, connectTimeout: connectTimeout, onClose: { [weak self] in _ = self?.sessions.withLock { $0.removeValue(forKey: key) } })
        let inserted = sessions.withLock { sessions -> Bool in
            guard sessions[key] == nil else { return false }
            sessions[key] = session
            return true
        }
        guard inserted else { throw ProviderError(.badRequest, provider: "media", "UUID \(uuid) is already in use") }
        metrics.sessionsByTransport["audiosocket"]?.increment()
        return session
    }

    /// The session a connection's UUID frame names; with dialplan calls accepted, a new session for an
    /// unknown UUID, announced on `mediaCalls()` once the connection is attached.
    func claim(uuid: String) -> (session: AudioSocketSession, isNewCall: Bool)? {
        if let session = sessions.withLock({ $0[uuid] }) { return (session, false) }
        guard configuration.acceptsDialplanCalls else { return nil }
        // The dialplan application sends slin at 8 kHz (kind 0x10); replies go back the same way.
        guard let session = try? openSession(for: CallID(uuid), uuid: uuid, wireRate: 8_000) else { return nil }
        return (session, true)
    }

    /// Announces a media-only call whose connection is attached.
    func announce(_ session: AudioSocketSession) {
        logger.info("dialplan AudioSocket call", metadata: ["audiosocket.uuid": "\(session.uuid)"])
        dialplanCall.yield(MediaOnlyCall(id: session.uuid, session: session))
    }
}

/// Random version-4 UUIDs as text.
enum UUIDv4Text {
    static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        return AudioSocketFrame(kind: .uuid, payload: bytes).uuidString ?? ""
    }
}
