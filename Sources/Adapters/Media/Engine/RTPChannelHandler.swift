import NIOCore

/// Hands each datagram of an RTP socket to the socket's router.
final class RTPChannelHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    private let socket: RTPSocketBox

    init(socket: RTPSocketBox) { self.socket = socket }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        socket.socket?.receive(unwrapInboundIn(data))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // ICMP port-unreachable and friends surface here; a UDP socket carries on.
    }
}

/// The handler is installed while the channel is bound, before the `RTPSocket` (which needs the bound
/// channel) exists; the box is filled right after, on the channel's loop.
final class RTPSocketBox: @unchecked Sendable {
    var socket: RTPSocket?
}
