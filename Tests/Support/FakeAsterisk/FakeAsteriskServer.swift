import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// Text frames the fake pushes to event clients.
enum WebSocketFrameBox {
    static func text(_ buffer: ByteBuffer) -> WebSocketFrame { WebSocketFrame(fin: true, opcode: .text, data: buffer) }
}

/// The fake's HTTP server: REST on HTTP/1.1, `/ari/events` upgraded to a WebSocket.
enum FakeAsteriskServer {
    static func bind(fake: FakeAsterisk) async throws -> any Channel {
        try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                // Refusing connections while "restarting": accept and close at once.
                if let until = fake.state.withLock({ $0.refuseUntil }), ContinuousClock.now < until {
                    return channel.close()
                }
                // Every connection, so that stopping the fake closes keep-alive REST connections too.
                fake.state.withLock { $0.connections[ObjectIdentifier(channel)] = channel }
                channel.closeFuture.whenComplete { _ in fake.state.withLock { _ = $0.connections.removeValue(forKey: ObjectIdentifier(channel)) } }
                let rest = RESTHandler(fake: fake)
                let upgrader = NIOWebSocketServerUpgrader(
                    maxFrameSize: 1 << 20,
                    shouldUpgrade: { channel, head in
                        let components = URLComponents(string: head.uri)
                        let path = components?.path ?? ""
                        if path.hasPrefix("/media/") {
                            // chan_websocket: a known connection id and the `media` subprotocol.
                            let id = String(path.dropFirst("/media/".count))
                            let known = fake.state.withLock { $0.webSocketConnections[id] != nil }
                            let protocols = head.headers[canonicalForm: "Sec-WebSocket-Protocol"].map(String.init)
                            guard known, protocols.contains("media") else { return channel.eventLoop.makeSucceededFuture(nil) }
                            return channel.eventLoop.makeSucceededFuture(HTTPHeaders([("Sec-WebSocket-Protocol", "media")]))
                        }
                        let query = Dictionary((components?.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
                        // Any application name registers (Asterisk creates the application).
                        let app = query["app"] ?? ""
                        let allowed = path == "/ari/events" && !app.isEmpty && !app.contains(",")
                            && query["api_key"] == "\(fake.username):\(fake.password)"
                        if allowed { fake.register(ObjectIdentifier(channel), app: app) }
                        return channel.eventLoop.makeSucceededFuture(allowed ? HTTPHeaders() : nil)
                    },
                    upgradePipelineHandler: { channel, head in
                        channel.eventLoop.makeCompletedFuture {
                            let path = URLComponents(string: head.uri)?.path ?? ""
                            if path.hasPrefix("/media/"),
                                let peer = fake.state.withLock({ $0.webSocketConnections[String(path.dropFirst("/media/".count))] })
                            {
                                try channel.pipeline.syncOperations.addHandler(FakeMediaWebSocketPeer.Handler(peer: peer))
                            } else {
                                try channel.pipeline.syncOperations.addHandler(EventsHandler(fake: fake))
                            }
                        }
                    })
                return channel.pipeline.configureHTTPServerPipeline(
                    withServerUpgrade: (upgraders: [upgrader], completionHandler: { context in
                        context.pipeline.removeHandler(rest, promise: nil)
                    })
                ).flatMap { channel.pipeline.addHandler(rest) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    /// Plain REST requests.
    final class RESTHandler: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let fake: FakeAsterisk
        private var head: HTTPRequestHead?

        init(fake: FakeAsterisk) { self.fake = fake }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head): self.head = head
            case .body: break
            case .end:
                guard let head else { return }
                self.head = nil
                let components = URLComponents(string: head.uri)
                let query = Dictionary((components?.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
                let path = components?.path ?? head.uri
                let method = head.method.rawValue
                let authorization = head.headers.first(name: "Authorization")
                let keepAlive = head.isKeepAlive
                let version = head.version
                let channel = context.channel
                let fake = self.fake
                Task {
                    let response = await fake.handle(method: method, path: path, query: query, authorization: authorization)
                    channel.eventLoop.execute {
                        var headers = HTTPHeaders()
                        headers.add(name: "Content-Type", value: "application/json")
                        headers.add(name: "Content-Length", value: "\(response.body.utf8.count)")
                        let head = HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
                        channel.write(HTTPServerResponsePart.head(head), promise: nil)
                        if !response.body.isEmpty {
                            channel.write(HTTPServerResponsePart.body(.byteBuffer(channel.allocator.buffer(string: response.body))), promise: nil)
                        }
                        channel.writeAndFlush(HTTPServerResponsePart.end(nil)).whenComplete { _ in
                            if !keepAlive { channel.close(promise: nil) }
                        }
                    }
                }
            }
        }
    }

    /// An events WebSocket client: registered for broadcasts, answers pings.
    final class EventsHandler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = WebSocketFrame
        typealias OutboundOut = WebSocketFrame
        let fake: FakeAsterisk

        init(fake: FakeAsterisk) { self.fake = fake }

        func handlerAdded(context: ChannelHandlerContext) {
            let channel = context.channel
            let missed = fake.state.withLock { state -> [String] in
                state.eventClients[ObjectIdentifier(channel)] = channel
                return state.pendingEventClients.removeValue(forKey: ObjectIdentifier(channel)) ?? []
            }
            // Events broadcast between the upgrade response and now, in order, before any later one.
            for text in missed { context.writeAndFlush(wrapOutboundOut(WebSocketFrameBox.text(channel.allocator.buffer(string: text))), promise: nil) }
        }

        func channelInactive(context: ChannelHandlerContext) {
            let channel = context.channel
            fake.unregister(ObjectIdentifier(channel))
            context.fireChannelInactive()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let frame = unwrapInboundIn(data)
            switch frame.opcode {
            case .ping:
                context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
            case .connectionClose:
                context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: frame.unmaskedData))).whenComplete { _ in
                    context.close(promise: nil)
                }
            default:
                break
            }
        }
    }
}
