import Domain
import Logging
import NIOCore

extension RTPMediaEngine {
    /// Datagrams read per `recvmmsg`: on a shared socket (a loop's calls), on a call's own socket.
    static let sharedReadCount = 64
    static let ownReadCount = 4
    /// Kernel buffers asked for a shared socket (a privileged process gets them whatever
    /// `net.core.rmem_max`/`wmem_max` say): a tick of a thousand calls leaves as a burst, and up to half a
    /// tick of their packets waits for the next read.
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

    /// Binds the next free even port of the range on `loop`; the loop's ticker drives the socket from then on.
    private func bindFreePort(on loop: any EventLoop, routing: RTPSocket.Routing, logger: Logger) async throws(ProviderError) -> (RTPSocket, Int) {
        for port in allocator.candidates() where allocator.claim(port) {
            do {
                let shared = routing == .bySource
                let io = try UDPBatchSocket(host: configuration.host, port: port, slots: shared ? Self.sharedReadCount : Self.ownReadCount,
                                            bufferBytes: shared ? Self.sharedSocketBuffer : 0)
                if shared, io.receiveBufferBytes < Self.sharedSocketBuffer / 4 {
                    logger.warning("small UDP receive buffer on the shared RTP socket; raise net.core.rmem_max",
                                   metadata: ["rtp.local_port": "\(port)", "rtp.receive_buffer_bytes": "\(io.receiveBufferBytes)"])
                }
                let socket = RTPSocket(io: io, eventLoop: loop, routing: routing, metrics: metrics, logger: logger, now: now)
                tickers.ticker(for: loop).add(socket: socket)
                return (socket, port)
            } catch {
                allocator.release(port)
                logger.debug("RTP port busy, trying the next", metadata: ["port": "\(port)", "error": "\(error)"])
            }
        }
        metrics.portsExhausted.increment()
        throw ProviderError(.unavailable, provider: "media", "no free RTP port in \(configuration.portRange)")
    }
}
