import Domain
import Logging
import NIOCore
import NIOPosix

extension RTPMediaEngine {
    /// Datagrams read per `recvmmsg` on a shared socket, and the room for each (RTP packets up to 60 ms of
    /// slin16 fit).
    static let vectorReadCount = 64
    static let vectorReadSlot = 2048
    /// Kernel buffers asked for a shared socket (capped by `net.core.rmem_max`/`wmem_max`): a tick of a
    /// thousand calls arrives and leaves as a burst.
    static let sharedSocketBuffer = 4 << 20

    /// The shared socket of `loop`, bound on first use (concurrent first calls wait for the same bind).
    func sharedSocket(on loop: any EventLoop) async throws(ProviderError) -> RTPSocket {
        let key = ObjectIdentifier(loop)
        let (future, promise) = sharedSockets.withLock { sockets -> (EventLoopFuture<RTPSocket>, EventLoopPromise<RTPSocket>?) in
            if let existing = sockets[key] { return (existing, nil) }
            let promise = loop.makePromise(of: RTPSocket.self)
            sockets[key] = promise.futureResult
            return (promise.futureResult, promise)
        }
        if let promise {
            do {
                let (socket, port) = try await bindFreePort(on: loop, routing: .bySource, logger: logger)
                logger.info("shared RTP socket", metadata: ["rtp.local_port": "\(port)"])
                promise.succeed(socket)
            } catch {
                sharedSockets.withLock { $0[key] = nil }
                promise.fail(error)
            }
        }
        do {
            return try await future.get()
        } catch {
            throw (error as? ProviderError) ?? ProviderError(.unavailable, provider: "media", "\(error)")
        }
    }

    /// A socket of the session's own on a free even port.
    func ownSocket(on loop: any EventLoop, logger: Logger) async throws(ProviderError) -> (RTPSocket, Int) {
        try await bindFreePort(on: loop, routing: .sole, logger: logger)
    }

    /// Binds the next free even port of the range on `loop` and registers the socket's end-of-tick flush.
    private func bindFreePort(on loop: any EventLoop, routing: RTPSocket.Routing, logger: Logger) async throws(ProviderError) -> (RTPSocket, Int) {
        for port in allocator.candidates() where allocator.claim(port) {
            do {
                let socket = try await bind(on: loop, port: port, routing: routing)
                tickers.ticker(for: loop).addFlusher(socket)
                return (socket, port)
            } catch {
                allocator.release(port)
                logger.debug("RTP port busy, trying the next", metadata: ["port": "\(port)", "error": "\(error)"])
            }
        }
        metrics.portsExhausted.increment()
        throw ProviderError(.unavailable, provider: "media", "no free RTP port in \(configuration.portRange)")
    }

    private func bind(on loop: any EventLoop, port: Int, routing: RTPSocket.Routing) async throws -> RTPSocket {
        let box = RTPSocketBox()
        var bootstrap = DatagramBootstrap(group: loop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(RTPChannelHandler(socket: box))
                }
            }
        if routing == .bySource {
            bootstrap = bootstrap
                .channelOption(.datagramVectorReadMessageCount, value: Self.vectorReadCount)
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: Self.vectorReadCount * Self.vectorReadSlot))
                .channelOption(.socketOption(.so_rcvbuf), value: Self.sharedSocketBuffer)
                .channelOption(.socketOption(.so_sndbuf), value: Self.sharedSocketBuffer)
        }
        let channel = try await bootstrap.bind(host: configuration.host, port: port).get()
        let socket = RTPSocket(channel: channel, routing: routing, metrics: metrics, logger: logger)
        try await loop.submit { box.socket = socket }.get()
        return socket
    }
}
