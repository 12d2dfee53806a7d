import Domain
import Logging
import NIOCore
import Synchronization

/// The audio of one call over ExternalMedia RTP: ulaw/alaw/slin16/Opus in through a jitter buffer,
/// ulaw or alaw out (Asterisk drops dynamic payload types on this channel), paced by the event loop's
/// shared 20 ms tick. Symmetric RTP: replies go where valid media comes from. The socket is the call's own
/// or its event loop's shared one (`RTPSocket`); the session does not know which.
public final class RTPMediaSession: MediaSession, PacingTicker.Client, @unchecked Sendable {
    public let offer: MediaOffer
    public let inbound: AsyncStream<AudioFrame>
    /// The UDP port the session listens on.
    public let localPort: Int

    private struct State {
        var remote: RTPEndpoint?
        var closed = false
        var sequence: UInt16
        /// RTP timestamp of the last frame sent.
        var timestamp: UInt32 = 0
        var decoder: RTPInboundDecoder
    }

    private let state: Mutex<State>
    private let output: PacedOutput
    private let feed: AsyncStream<AudioFrame>.Continuation
    private let ticker: PacingTicker
    private let socket: RTPSocket
    private let ssrc: UInt32
    private let timestampBase: UInt32
    private let outboundPayloadType: UInt8
    private let metrics: MediaMetrics
    private let logger: Logger
    private let now: @Sendable () -> Duration
    private let onClose: @Sendable () async -> Void

    init(
        host: String, socket: RTPSocket, inboundFormat: RTPPayloadFormat, outbound: RTPPayloadFormat, jitterDepth: Duration,
        ticker: PacingTicker, metrics: MediaMetrics, logger: Logger, now: @escaping @Sendable () -> Duration,
        onClose: @escaping @Sendable () async -> Void
    ) {
        self.offer = MediaOffer(transport: .rtp, externalHost: "\(host):\(socket.localPort)", format: inboundFormat.rawValue)
        self.localPort = socket.localPort
        self.socket = socket
        self.ticker = ticker
        self.metrics = metrics
        self.logger = logger
        self.now = now
        self.onClose = onClose
        outboundPayloadType = outbound == .alaw ? 8 : 0
        output = PacedOutput(wireRate: 8_000, encoding: outbound == .alaw ? .alaw : .ulaw)
        var generator = SystemRandomNumberGenerator()
        ssrc = UInt32.random(in: 1...UInt32.max, using: &generator)
        timestampBase = UInt32.random(in: 0...UInt32.max, using: &generator)
        state = Mutex(State(
            sequence: UInt16.random(in: 0...UInt16.max, using: &generator),
            decoder: RTPInboundDecoder(format: inboundFormat, depth: jitterDepth)))
        (inbound, feed) = AsyncStream.makeStream(of: AudioFrame.self, bufferingPolicy: .bufferingNewest(100))
    }

    /// Starts the outbound clock (after the engine routed the socket's datagrams here).
    func start() {
        ticker.add(self)
    }

    public func connect(_ attachment: MediaAttachment) async throws(ProviderError) {
        guard let host = attachment.variables["UNICASTRTP_LOCAL_ADDRESS"],
            let portText = attachment.variables["UNICASTRTP_LOCAL_PORT"], let port = Int(portText)
        else {
            throw ProviderError(.badResponse, provider: "rtp", "the media channel has no UNICASTRTP_LOCAL_ADDRESS/PORT")
        }
        guard let address = RTPEndpoint(host: host, port: port) else {
            throw ProviderError(.badResponse, provider: "rtp", "bad RTP address \(host):\(port)")
        }
        state.withLock { if $0.remote == nil { $0.remote = address } }
        // A shared socket routes by source: from now on this address's datagrams are this call's.
        await socket.attach(self, source: address)
        logger.debug("RTP peer", metadata: ["rtp.remote": "\(address)", "rtp.local_port": "\(localPort)"])
    }

    /// The event loop of the session's socket, where its frames are produced and paced.
    public var preferredExecutor: (any TaskExecutor)? { EventLoopTaskExecutors.shared.executor(for: socket.eventLoop) }

    /// Outbound frames waiting for their tick.
    var queuedFrames: Int { output.queuedFrames }

    /// Jitter buffer counters of the inbound stream.
    public var statistics: JitterStatistics { state.withLock { $0.decoder.jitter.statistics } }

    // MARK: Inbound

    /// One datagram for this session (on the socket's event loop), received by the kernel at `arrival`.
    func receive(_ bytes: UnsafeRawBufferPointer, from source: RTPEndpoint, arrival: Duration) {
        let packet: RTPPacket
        do { packet = try RTPPacket(parsing: bytes) } catch {
            metrics.drop(error.rawValue)
            return
        }
        let accepted = state.withLock { state -> Bool in
            guard !state.closed else { metrics.drop("after_close"); return false }
            let drop = state.decoder.receive(packet, at: arrival) { feed.yield($0) }
            if let drop {
                metrics.drop(drop.rawValue)
                return false
            }
            // Symmetric RTP: answer where valid media comes from.
            if state.remote != source { state.remote = source }
            return true
        }
        if accepted { metrics.packetsIn.increment() }
    }

    // MARK: Outbound

    public func play(_ audio: AudioStream, onFirstFrame: @escaping @Sendable () -> Void) async throws(ProviderError) -> PlaybackOutcome {
        try await output.play(audio, onFirstFrame: onFirstFrame)
    }

    public func flush() async {
        output.flush()
    }

    /// Sends the next queued frame and conceals overdue inbound gaps (on the ticker's event loop).
    func tick(_ index: UInt64) {
        // The frame is taken first (its own lock) so that the session lock is held once per tick.
        let frame = output.next()
        let wallClock = timestampBase &+ UInt32(truncatingIfNeeded: index &* 160)
        let target = state.withLock { state -> (RTPEndpoint, UInt16, UInt32)? in
            guard !state.closed else { return nil }
            if state.decoder.jitter.count > 0 {
                let time = now()
                state.decoder.poll(now: time) { feed.yield($0) }
            }
            guard frame != nil, let remote = state.remote else { return nil }
            state.sequence &+= 1
            // Within a talk spurt the timestamp advances one frame per frame sent, even if a late loop
            // skipped a tick (the audio is continuous); a new spurt resumes from the wall clock.
            state.timestamp = frame?.first == true ? wallClock : state.timestamp &+ 160
            return (remote, state.sequence, state.timestamp)
        }
        guard let frame, let (remote, sequence, timestamp) = target else { return }
        let header = RTPHeader(marker: frame.first, payloadType: outboundPayloadType, sequenceNumber: sequence, timestamp: timestamp, ssrc: ssrc)
        // Written in place into the socket's batch, sent at the end of the tick with every other session's packet.
        socket.write(to: remote) { datagram in header.write(payload: frame.payload, into: datagram) }
    }

    // MARK: Life cycle

    public func close() async {
        let wasClosed = state.withLock { state in
            let was = state.closed
            state.closed = true
            return was
        }
        guard !wasClosed else { return }
        output.close()
        ticker.remove(self)
        feed.finish()
        await socket.detach(self)
        await onClose()
    }
}
