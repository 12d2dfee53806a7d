import Foundation
import NIOCore
import NIOWebSocket
import Synchronization

/// Asterisk's side of a chan_websocket channel in server mode: the daemon connects to
/// `/media/<connection id>` with subprotocol `media`; the fake sends the plain-text `MEDIA_START`
/// event first, then binary slin16 little-endian frames (640 bytes per 20 ms) and `DTMF_END` events,
/// records what the daemon sends (binary audio, text commands such as FLUSH_MEDIA), and closes cleanly
/// with a close frame on hangup.
public final class FakeMediaWebSocketPeer: @unchecked Sendable {
    /// A frame the daemon sent.
    public struct Received: Sendable {
        public let text: String?
        public let binary: [UInt8]
        public let at: ContinuousClock.Instant
    }

    public let connectionID: String
    public let channelName: String
    private let log = Mutex<[Received]>([])
    private let connection = Mutex<(any Channel)?>(nil)
    private let closedFlag = Mutex(false)

    /// Runs once the daemon has connected (the channel then enters Stasis).
    private let onConnected: @Sendable () -> Void
    /// Runs once the connection is gone (the channel then ends, as on a real Asterisk).
    private let onDisconnected: @Sendable () -> Void

    init(connectionID: String, channelName: String, onConnected: @escaping @Sendable () -> Void,
         onDisconnected: @escaping @Sendable () -> Void = {}) {
        self.connectionID = connectionID
        self.channelName = channelName
        self.onConnected = onConnected
        self.onDisconnected = onDisconnected
    }

    /// Whether the daemon is connected.
    public var isConnected: Bool { connection.withLock { $0 != nil } }
    /// Whether the media WebSocket was closed.
    public var isClosed: Bool { closedFlag.withLock { $0 } }
    /// Everything the daemon sent so far.
    public var received: [Received] { log.withLock { $0 } }

    /// Sends PCM16 16 kHz audio as 640-byte binary frames, 20 ms apart (absolute deadlines on the
    /// connection's event loop).
    public func sendAudio(_ samples: [Int16]) async throws {
        guard let channel = connection.withLock({ $0 }) else { return }
        let frames = stride(from: 0, to: samples.count, by: 320).map { offset -> WebSocketFrame in
            var payload: [UInt8] = []
            for s in samples[offset..<min(offset + 320, samples.count)] {
                payload.append(UInt8(UInt16(bitPattern: s) & 0xFF))
                payload.append(UInt8(UInt16(bitPattern: s) >> 8))
            }
            return WebSocketFrame(fin: true, opcode: .binary, data: ByteBuffer(bytes: payload))
        }
        try await PacedSender.send(frames, interval: .milliseconds(20), on: channel, stopWhenClosed: true)
    }

    /// Sends `DTMF_END digit:D` (the plain-text control format).
    public func sendDTMF(_ digit: Character) {
        sendText("DTMF_END digit:\(digit)")
    }

    /// Sends one text frame.
    public func sendText(_ text: String) {
        write(WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: text)))
    }

    /// Hangup: a clean close (code 1000).
    public func close() {
        guard let channel = connection.withLock({ $0 }) else { return }
        var data = ByteBuffer()
        data.write(webSocketErrorCode: .normalClosure)
        channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)).whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    private func write(_ frame: WebSocketFrame) {
        guard let channel = connection.withLock({ $0 }) else { return }
        channel.writeAndFlush(frame, promise: nil)
    }

    func connected(_ channel: any Channel) {
        connection.withLock { $0 = channel }
        onConnected()
        sendText("MEDIA_START connection_id:\(connectionID) channel:\(channelName) channel_id:\(connectionID) format:slin16 optimal_frame_size:640 ptime:20")
    }

    func record(_ frame: WebSocketFrame) {
        let now = ContinuousClock.now
        let bytes = Array(frame.unmaskedData.readableBytesView)
        switch frame.opcode {
        case .text: log.withLock { $0.append(Received(text: String(decoding: bytes, as: UTF8.self), binary: [], at: now)) }
        case .binary: log.withLock { $0.append(Received(text: nil, binary: bytes, at: now)) }
        default: break
        }
    }

    func disconnected() {
        closedFlag.withLock { $0 = true }
        connection.withLock { $0 = nil }
        onDisconnected()
    }

    /// The handler of the upgraded media WebSocket.
    final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = WebSocketFrame
        typealias OutboundOut = WebSocketFrame
        let peer: FakeMediaWebSocketPeer

        init(peer: FakeMediaWebSocketPeer) { self.peer = peer }

        func handlerAdded(context: ChannelHandlerContext) {
            peer.connected(context.channel)
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
                peer.record(frame)
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            peer.disconnected()
            context.fireChannelInactive()
        }
    }
}
