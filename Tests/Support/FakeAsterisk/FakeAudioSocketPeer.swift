import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// Asterisk's side of an AudioSocket channel (chan_audiosocket): it connects to the daemon's TCP
/// server, sends the UUID frame (kind 0x01) first, then audio frames (0x12 slin16 little-endian, 640
/// bytes per 20 ms, or 0x10 slin 8 kHz, 320 bytes, in dialplan mode) and DTMF frames (0x03); it records
/// the frames the daemon sends back. On hangup it just closes the TCP connection (no 0x00 frame).
public final class FakeAudioSocketPeer: @unchecked Sendable {
    /// A frame the daemon sent, with its arrival time.
    public struct Received: Sendable {
        public let kind: UInt8
        public let payload: [UInt8]
        public let at: ContinuousClock.Instant
    }

    public let uuid: String
    /// The audio kind this peer speaks (0x12 for ARI slin16, 0x10 for the dialplan application).
    public let audioKind: UInt8
    private let channel: any Channel
    private let log = Mutex<[Received]>([])
    private let closedFlag = Mutex(false)
    private let closedHook = Mutex<(@Sendable () -> Void)?>(nil)
    /// Set by `observe`: called for each frame instead of keeping it (a long load run).
    fileprivate let observer = Mutex<(@Sendable (UInt8, [UInt8], ContinuousClock.Instant) -> Void)?>(nil)

    /// Runs once when the connection closes, whichever side closed it (the fake Asterisk ends the
    /// channel then, as a real one does when the daemon drops its media connection).
    func onClosed(_ hook: @escaping @Sendable () -> Void) { closedHook.withLock { $0 = hook } }

    /// Connects to `host:port` and sends the UUID frame.
    public init(host: String, port: Int, uuid: String, audioKind: UInt8 = 0x12) async throws {
        self.uuid = uuid
        self.audioKind = audioKind
        let box = Collector()
        channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(box) }
            }
            .connect(host: host, port: port).get()
        box.peer = self
        let hex = Array(uuid.lowercased().filter { $0 != "-" })
        var bytes: [UInt8] = []
        for i in stride(from: 0, to: min(hex.count, 32), by: 2) { bytes.append(UInt8(String(hex[i..<(i + 2)]), radix: 16) ?? 0) }
        try await sendFrame(kind: 0x01, payload: bytes)
    }

    /// Everything the daemon sent so far.
    public var received: [Received] { log.withLock { $0 } }
    /// Whether the connection was closed (by either side).
    public var isClosed: Bool { closedFlag.withLock { $0 } }

    /// Sends PCM16 audio in 20 ms frames of `audioKind`, paced like Asterisk (absolute 20 ms deadlines on
    /// the socket's event loop).
    public func sendAudio(_ samples: [Int16]) async throws {
        let perFrame = audioKind == 0x10 ? 160 : 320
        let frames = stride(from: 0, to: samples.count, by: perFrame).map { offset -> ByteBuffer in
            let chunk = samples[offset..<min(offset + perFrame, samples.count)]
            var bytes: [UInt8] = [audioKind, UInt8((chunk.count * 2) >> 8), UInt8((chunk.count * 2) & 0xFF)]
            for s in chunk {
                bytes.append(UInt8(UInt16(bitPattern: s) & 0xFF))
                bytes.append(UInt8(UInt16(bitPattern: s) >> 8))
            }
            return channel.allocator.buffer(bytes: bytes)
        }
        try await PacedSender.send(frames, interval: .milliseconds(20), on: channel)
    }

    /// Sends one audio frame of `audioKind` now, without waiting for the write (a load generator's own
    /// pacing): `samples` little-endian.
    public func send(frame samples: [Int16]) {
        var bytes: [UInt8] = [audioKind, UInt8((samples.count * 2) >> 8), UInt8((samples.count * 2) & 0xFF)]
        bytes.reserveCapacity(3 + samples.count * 2)
        for s in samples {
            bytes.append(UInt8(UInt16(bitPattern: s) & 0xFF))
            bytes.append(UInt8(UInt16(bitPattern: s) >> 8))
        }
        channel.writeAndFlush(channel.allocator.buffer(bytes: bytes), promise: nil)
    }

    /// Hands every frame from now on to `handler` (kind, payload, arrival time) instead of keeping it.
    public func observe(_ handler: @escaping @Sendable (UInt8, [UInt8], ContinuousClock.Instant) -> Void) {
        observer.withLock { $0 = handler }
    }

    /// Sends one DTMF frame (dialplan mode).
    public func sendDTMF(_ digit: Character) async throws {
        try await sendFrame(kind: 0x03, payload: [digit.asciiValue ?? 0x30])
    }

    /// Sends one raw frame.
    public func sendFrame(kind: UInt8, payload: [UInt8]) async throws {
        var bytes: [UInt8] = [kind, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        bytes += payload
        try await sendRaw(bytes)
    }

    /// Sends arbitrary bytes (malformed-input tests).
    public func sendRaw(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(channel.allocator.buffer(bytes: bytes))
    }

    /// Hangs up: closes the TCP connection.
    public func close() {
        channel.close(promise: nil)
    }

    private final class Collector: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        weak var peer: FakeAudioSocketPeer?
        private var pending: [UInt8] = []

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            pending += Array(unwrapInboundIn(data).readableBytesView)
            let now = ContinuousClock.now
            while pending.count >= 3 {
                let length = Int(pending[1]) << 8 | Int(pending[2])
                guard pending.count >= 3 + length else { break }
                let frame = Received(kind: pending[0], payload: Array(pending[3..<(3 + length)]), at: now)
                pending.removeFirst(3 + length)
                if let observer = peer?.observer.withLock({ $0 }) {
                    observer(frame.kind, frame.payload, now)
                } else {
                    peer?.log.withLock { $0.append(frame) }
                }
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            peer?.closedFlag.withLock { $0 = true }
            let hook = peer?.closedHook.withLock { hook in defer { hook = nil }; return hook }
            hook?()
            context.fireChannelInactive()
        }
    }
}
