import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// Asterisk's side of an ExternalMedia RTP channel: a real UDP socket that sends RTP from
/// `UNICASTRTP_LOCAL_PORT` to the daemon's `external_host` and records what comes back.
public final class FakeRTPPeer: @unchecked Sendable {
    /// A datagram the daemon sent, with its arrival time.
    public struct Received: Sendable {
        public let bytes: [UInt8]
        public let at: ContinuousClock.Instant
    }

    public let port: Int
    public let remote: SocketAddress
    private let channel: any Channel
    private let log = Mutex<[Received]>([])
    private let sequence = Mutex<(seq: UInt16, timestamp: UInt32)>((UInt16.random(in: 0...UInt16.max), UInt32.random(in: 0...UInt32.max)))
    private let ssrc = UInt32.random(in: 1...UInt32.max)
    private let echoTransform = Mutex<(@Sendable ([UInt8]) -> [UInt8])?>(nil)
    /// Set by `observe`: called for each datagram instead of keeping it (a long load run).
    private let observer = Mutex<(@Sendable ([UInt8], ContinuousClock.Instant) -> Void)?>(nil)

    /// A peer bound to a free loopback port that sends to `remote`.
    public init(remote: SocketAddress) async throws {
        let box = ReceiveBox()
        channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(box) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress?.port ?? 0
        self.remote = remote
        box.peer = self
    }

    /// Everything received so far.
    public var received: [Received] { log.withLock { $0 } }

    /// Sends one RTP packet per payload, `interval` apart (absolute deadlines on the socket's event loop,
    /// like Asterisk's 20 ms timing), with a constant SSRC, sequence +1, timestamp + payload samples, and
    /// no marker bit.
    public func sendRTP(payloads: [[UInt8]], payloadType: UInt8 = 0, samplesPerPacket: UInt32 = 160, interval: Duration = .milliseconds(20)) async throws {
        let packets = payloads.map { packet($0, payloadType: payloadType, samples: samplesPerPacket) }
        let step = TimeAmount.nanoseconds(interval.components.seconds * 1_000_000_000 + interval.components.attoseconds / 1_000_000_000)
        try await PacedSender.send(packets, interval: step, on: channel)
    }

    /// Sends one RTP packet now, without waiting for the write (a load generator's own pacing).
    public func send(payload: [UInt8], payloadType: UInt8 = 0, samples: UInt32 = 160) {
        channel.writeAndFlush(packet(payload, payloadType: payloadType, samples: samples), promise: nil)
    }

    /// Hands every datagram from now on to `handler` (bytes, arrival time) instead of keeping it.
    public func observe(_ handler: @escaping @Sendable ([UInt8], ContinuousClock.Instant) -> Void) {
        observer.withLock { $0 = handler }
    }

    /// Sends arbitrary bytes (malformed-input tests).
    public func sendRaw(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: remote, data: channel.allocator.buffer(bytes: bytes)))
    }

    /// Closes the socket.
    public func close() {
        channel.close(promise: nil)
    }

    /// The next RTP packet of this peer's stream carrying `payload`.
    private func packet(_ payload: [UInt8], payloadType: UInt8, samples: UInt32) -> AddressedEnvelope<ByteBuffer> {
        let (seq, timestamp) = sequence.withLock { state in
            state.seq &+= 1
            state.timestamp &+= samples
            return state
        }
        var bytes: [UInt8] = [0x80, payloadType & 0x7F, UInt8(seq >> 8), UInt8(seq & 0xFF)]
        bytes += [UInt8(timestamp >> 24), UInt8((timestamp >> 16) & 0xFF), UInt8((timestamp >> 8) & 0xFF), UInt8(timestamp & 0xFF)]
        bytes += [UInt8(ssrc >> 24), UInt8((ssrc >> 16) & 0xFF), UInt8((ssrc >> 8) & 0xFF), UInt8(ssrc & 0xFF)]
        bytes += payload
        return AddressedEnvelope(remoteAddress: remote, data: channel.allocator.buffer(bytes: bytes))
    }

    /// Sends back each packet the daemon sends, its payload through `transform`, as soon as it arrives: the
    /// echo of the daemon's own voice on a phone line (nil: no echo).
    public func echo(_ transform: (@Sendable ([UInt8]) -> [UInt8])?) {
        echoTransform.withLock { $0 = transform }
    }

    fileprivate func record(_ bytes: [UInt8]) {
        let now = ContinuousClock.now
        if let observer = observer.withLock({ $0 }) {
            observer(bytes, now)
            return
        }
        log.withLock { $0.append(Received(bytes: bytes, at: now)) }
        guard bytes.count > 12, let transform = echoTransform.withLock({ $0 }) else { return }
        let payload = transform(Array(bytes[12...]))
        channel.writeAndFlush(packet(payload, payloadType: bytes[1] & 0x7F, samples: UInt32(payload.count)), promise: nil)
    }

    private final class ReceiveBox: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        weak var peer: FakeRTPPeer?
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            peer?.record(Array(unwrapInboundIn(data).data.readableBytesView))
        }
    }
}
