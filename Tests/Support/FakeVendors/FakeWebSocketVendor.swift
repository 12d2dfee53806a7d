import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import Synchronization

/// A streaming vendor API on loopback (real sockets, RFC 6455 upgrade through NIO): every handshake and
/// every message is recorded; `upgrade` decides whether the handshake succeeds (else the HTTP status the
/// vendor answers with), and `respond` answers each complete client message with a script of replies.
public final class FakeWebSocketVendor: Sendable {
    /// The upgrade request as the vendor saw it.
    public struct Handshake: Sendable {
        public var uri: String
        public var headers: [(String, String)]
        public func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
        public var path: String { String(uri.split(separator: "?", maxSplits: 1).first ?? "") }
        /// The raw query string (still percent-encoded).
        public var rawQuery: String { uri.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init) ?? "" }
        /// Query parameters, raw (percent-encoded) values, in order.
        public var query: [(String, String)] {
            rawQuery.split(separator: "&").map {
                let parts = $0.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
            }
        }
        public func query(_ name: String) -> String? { query.first { $0.0 == name }?.1 }
    }

    /// A complete (reassembled) client message.
    public enum Message: Sendable {
        case text(String)
        case binary([UInt8])
    }

    /// One step of an answer.
    public enum Reply: Sendable {
        case text(String)
        case binary([UInt8])
        /// Wait before the next step.
        case pause(Duration)
        /// Send a close frame with `code` and `reason`, then close the connection.
        case close(code: UInt16, reason: String = "")
        /// Cut the TCP connection without a close frame.
        case drop
    }

    private let channel: any Channel
    private let recorded = Mutex<(handshakes: [Handshake], messages: [Message])>(([], []))
    public let port: Int

    /// `upgrade` returns nil to accept, or the HTTP status to refuse with (401, 429, 503...).
    public convenience init(
        upgrade: @escaping @Sendable (Handshake) -> Int? = { _ in nil },
        respond: @escaping @Sendable (Handshake, Message) -> [Reply]
    ) async throws {
        try await self.init(upgrade: upgrade, connection: { respond })
    }

    /// `connection` makes the responder of each new connection (a vendor with per-connection state).
    public init(
        upgrade: @escaping @Sendable (Handshake) -> Int? = { _ in nil },
        connection: @escaping @Sendable () -> @Sendable (Handshake, Message) -> [Reply]
    ) async throws {
        let box = WSRecordBox()
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                let refusal = RefusalStatus()
                let upgrader = NIOWebSocketServerUpgrader(
                    maxFrameSize: 1 << 20,
                    shouldUpgrade: { channel, head in
                        let handshake = Handshake(uri: head.uri, headers: head.headers.map { ($0.name, $0.value) })
                        box.server?.recorded.withLock { $0.handshakes.append(handshake) }
                        if let status = upgrade(handshake) {
                            refusal.status.withLock { $0 = status }
                            return channel.eventLoop.makeSucceededFuture(nil)
                        }
                        return channel.eventLoop.makeSucceededFuture(HTTPHeaders())
                    },
                    upgradePipelineHandler: { channel, head in
                        let handshake = Handshake(uri: head.uri, headers: head.headers.map { ($0.name, $0.value) })
                        let handler = WebSocketScriptHandler(handshake: handshake, respond: connection()) { message in
                            box.server?.recorded.withLock { $0.messages.append(message) }
                        }
                        // The refusal handler reads HTTP parts; after the upgrade only WebSocket frames flow.
                        return channel.pipeline.removeHandler(name: "refusal").flatMap { channel.pipeline.addHandler(handler) }
                    })
                return channel.pipeline.configureHTTPServerPipeline(withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
                    .flatMap { channel.pipeline.addHandler(RefusalHandler(refusal: refusal), name: "refusal") }
            }
        channel = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress?.port ?? 0
        box.server = self
    }

    /// `ws://127.0.0.1:PORT`.
    public var baseURL: String { "ws://127.0.0.1:\(port)" }

    /// Upgrade requests so far (accepted or not).
    public var handshakes: [Handshake] { recorded.withLock { $0.handshakes } }

    /// Client messages so far, over all connections.
    public var messages: [Message] { recorded.withLock { $0.messages } }

    public func close() async { try? await channel.close() }
}

private final class WSRecordBox: @unchecked Sendable {
    weak var server: FakeWebSocketVendor?
}

private final class RefusalStatus: Sendable {
    let status = Mutex(400)
}

/// Answers a handshake the vendor refused (or a plain HTTP request) with the refusal status.
private final class RefusalHandler: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let refusal: RefusalStatus
    init(refusal: RefusalStatus) { self.refusal = refusal }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = unwrapInboundIn(data) else { return }
        let body = ByteBuffer(string: #"{"err_code":"REFUSED","err_msg":"refused by the fake vendor"}"#)
        let headers = HTTPHeaders([("Content-Type", "application/json"), ("Content-Length", String(body.readableBytes)), ("Connection", "close")])
        let status = HTTPResponseStatus(statusCode: refusal.status.withLock { $0 })
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in bound.value.close(promise: nil) }
    }
}
