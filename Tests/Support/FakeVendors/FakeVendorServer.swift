import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A vendor API on loopback (real sockets, HTTP/1.1): every request is recorded and answered by `respond`,
/// which may stream chunks with pauses, send a wrong content type, or cut the body short.
public final class FakeVendorServer: Sendable {
    /// A request as the vendor saw it.
    public struct Request: Sendable {
        public var method: String
        public var uri: String
        public var headers: [(String, String)]
        public var body: [UInt8]
        public func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
        public var path: String { String(uri.split(separator: "?", maxSplits: 1).first ?? "") }
    }

    /// How to answer.
    public struct Response: Sendable {
        public var status: Int
        public var contentType: String
        /// Body pieces, each sent after `delay`.
        public var chunks: [[UInt8]]
        public var delay: Duration
        /// Declare a Content-Length larger than the body and close (a truncated answer).
        public var truncate: Bool

        public init(status: Int = 200, contentType: String, chunks: [[UInt8]], delay: Duration = .zero, truncate: Bool = false) {
            self.status = status
            self.contentType = contentType
            self.chunks = chunks
            self.delay = delay
            self.truncate = truncate
        }

        public static func json(_ text: String, status: Int = 200) -> Response {
            Response(status: status, contentType: "application/json", chunks: [Array(text.utf8)])
        }
    }

    private let channel: any Channel
    private let recorded = Mutex<[Request]>([])
    public let port: Int

    public init(respond: @escaping @Sendable (Request) -> Response) async throws {
        let box = RecordBox()
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(VendorHandler(respond: respond, record: { box.server?.record($0) }))
                }
            }
        channel = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress?.port ?? 0
        box.server = self
    }

    /// `http://127.0.0.1:PORT`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// The requests so far.
    public var requests: [Request] { recorded.withLock { $0 } }

    func record(_ request: Request) { recorded.withLock { $0.append(request) } }

    public func close() async { try? await channel.close() }
}

private final class RecordBox: @unchecked Sendable {
    weak var server: FakeVendorServer?
}

private final class VendorHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let respond: @Sendable (FakeVendorServer.Request) -> FakeVendorServer.Response
    let record: @Sendable (FakeVendorServer.Request) -> Void
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []

    init(respond: @escaping @Sendable (FakeVendorServer.Request) -> FakeVendorServer.Response, record: @escaping @Sendable (FakeVendorServer.Request) -> Void) {
        self.respond = respond
        self.record = record
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            body = []
        case .body(var buffer):
            body += buffer.readBytes(length: buffer.readableBytes) ?? []
        case .end:
            guard let head else { return }
            let request = FakeVendorServer.Request(
                method: head.method.rawValue, uri: head.uri, headers: head.headers.map { ($0.name, $0.value) }, body: body)
            record(request)
            let response = respond(request)
            send(response, context: context)
        }
    }

    private func send(_ response: FakeVendorServer.Response, context: ChannelHandlerContext) {
        var headers = HTTPHeaders([("Content-Type", response.contentType)])
        let total = response.chunks.reduce(0) { $0 + $1.count }
        if response.truncate { headers.add(name: "Content-Length", value: String(total + 1000)) } else if response.delay == .zero {
            headers.add(name: "Content-Length", value: String(total))
        }
        let status = HTTPResponseStatus(statusCode: response.status)
        context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        let loop = context.eventLoop
        let bound = NIOLoopBound(context, eventLoop: loop)
        let handler = NIOLoopBound(self, eventLoop: loop)
        var delay = TimeAmount.zero
        let step = TimeAmount.nanoseconds(response.delay.components.seconds * 1_000_000_000 + response.delay.components.attoseconds / 1_000_000_000)
        for chunk in response.chunks {
            delay = delay + step
            loop.scheduleTask(in: delay) {
                bound.value.writeAndFlush(handler.value.wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: chunk)))), promise: nil)
            }
        }
        loop.scheduleTask(in: delay + .milliseconds(1)) {
            if response.truncate {
                bound.value.close(promise: nil)
            } else {
                bound.value.writeAndFlush(handler.value.wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}
