import NIOCore

/// Cuts the TCP byte stream into AudioSocket frames. A malformed header (oversized length, unknown
/// kind) cannot be resynchronised in a stream, so it is an error that ends the connection.
struct AudioSocketFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = AudioSocketFrame

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let (frame, consumed) = try AudioSocketFrame.parse(buffer.readableBytesView) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: consumed)
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}

extension ByteBuffer {
    /// Writes one AudioSocket frame header and payload.
    mutating func writeAudioSocketFrame(kind: AudioSocketFrame.Kind, payload: [UInt8]) {
        writeInteger(kind.rawValue)
        writeInteger(UInt16(truncatingIfNeeded: payload.count))
        writeBytes(payload)
    }
}

/// The per-connection handler: the first frame must be the UUID of a session the engine opened; every
/// later frame goes to that session. Closing the connection is the hangup.
final class AudioSocketConnectionHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = AudioSocketFrame
    private let engine: AudioSocketMediaEngine
    private var session: AudioSocketSession?

    init(engine: AudioSocketMediaEngine) { self.engine = engine }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        if let session {
            session.receive(frame)
            return
        }
        guard let uuid = frame.uuidString, let (session, isNewCall) = engine.claim(uuid: uuid) else {
            engine.metrics.dropFrame("audiosocket", frame.kind == .uuid ? "unknown_uuid" : "bad_uuid")
            context.close(promise: nil)
            return
        }
        self.session = session
        session.attach(context.channel)
        if isNewCall { engine.announce(session) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        session?.connectionClosed()
        session = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let parse = error as? AudioSocketFrame.ParseError {
            engine.metrics.dropFrame("audiosocket", parse.rawValue)
        }
        context.close(promise: nil)
    }
}
