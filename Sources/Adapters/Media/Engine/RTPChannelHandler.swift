import NIOCore

/// Hands each datagram of a session's socket to the session.
final class RTPChannelHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    private let session: RTPMediaSession

    init(session: RTPMediaSession) { self.session = session }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        session.receive(envelope.data.readableBytesView, from: envelope.remoteAddress)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // ICMP port-unreachable and friends surface here; a UDP session carries on.
    }
}
