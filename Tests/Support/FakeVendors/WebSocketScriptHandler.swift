import NIOCore
import NIOWebSocket

/// The vendor side of one WebSocket connection: reassembles fragmented client messages (unmasking them),
/// answers pings and close frames as RFC 6455 says, and plays the script `respond` returns for each
/// message. Replies of successive messages keep their order (a pause delays everything after it).
final class WebSocketScriptHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let handshake: FakeWebSocketVendor.Handshake
    private let respond: @Sendable (FakeWebSocketVendor.Handshake, FakeWebSocketVendor.Message) -> [FakeWebSocketVendor.Reply]
    private let record: @Sendable (FakeWebSocketVendor.Message) -> Void
    private var fragments: [UInt8] = []
    private var fragmentOpcode: WebSocketOpcode?
    /// When the last scheduled reply goes out.
    private var busyUntil = NIODeadline.now()
    private var closed = false

    init(
        handshake: FakeWebSocketVendor.Handshake,
        respond: @escaping @Sendable (FakeWebSocketVendor.Handshake, FakeWebSocketVendor.Message) -> [FakeWebSocketVendor.Reply],
        record: @escaping @Sendable (FakeWebSocketVendor.Message) -> Void
    ) {
        self.handshake = handshake
        self.respond = respond
        self.record = record
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        var payload = frame.unmaskedData
        let bytes = payload.readBytes(length: payload.readableBytes) ?? []
        switch frame.opcode {
        case .ping:
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: ByteBuffer(bytes: bytes))), promise: nil)
        case .connectionClose:
            guard !closed else { context.close(promise: nil); return }
            closed = true
            var echo = context.channel.allocator.buffer(capacity: 2)
            echo.writeInteger(UInt16(1000))
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: echo)))
                .whenComplete { _ in bound.value.close(promise: nil) }
        case .text, .binary:
            fragmentOpcode = frame.opcode
            fragments = bytes
            if frame.fin { deliver(context: context) }
        case .continuation:
            fragments += bytes
            if frame.fin { deliver(context: context) }
        default:
            break
        }
    }

    private func deliver(context: ChannelHandlerContext) {
        let message: FakeWebSocketVendor.Message =
            fragmentOpcode == .text ? .text(String(decoding: fragments, as: UTF8.self)) : .binary(fragments)
        fragments = []
        record(message)
        play(respond(handshake, message), context: context)
    }

    private func play(_ replies: [FakeWebSocketVendor.Reply], context: ChannelHandlerContext) {
        let loop = context.eventLoop
        let bound = NIOLoopBound(context, eventLoop: loop)
        let this = NIOLoopBound(self, eventLoop: loop)
        var at = max(busyUntil, .now())
        for reply in replies {
            switch reply {
            case .pause(let duration):
                at = at + .nanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
            case .text(let text):
                let frame = WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: text))
                loop.scheduleTask(deadline: at) { bound.value.writeAndFlush(NIOAny(frame), promise: nil) }
            case .binary(let bytes):
                let frame = WebSocketFrame(fin: true, opcode: .binary, data: ByteBuffer(bytes: bytes))
                loop.scheduleTask(deadline: at) { bound.value.writeAndFlush(NIOAny(frame), promise: nil) }
            case .drop:
                loop.scheduleTask(deadline: at) { bound.value.close(promise: nil) }
            case .close(let code, let reason):
                var data = ByteBuffer()
                data.writeInteger(code)
                data.writeString(reason)
                let frame = WebSocketFrame(fin: true, opcode: .connectionClose, data: data)
                // Like a real server: send the close frame, wait for the client's, close (or give up after 2 s).
                loop.scheduleTask(deadline: at) {
                    this.value.closed = true
                    bound.value.writeAndFlush(NIOAny(frame), promise: nil)
                    loop.scheduleTask(in: .seconds(2)) { bound.value.close(promise: nil) }
                }
            }
        }
        busyUntil = at
    }
}
