import Domain
import Logging
import NIOCore
import Synchronization

/// The audio of one call over AudioSocket: Asterisk connects to the engine's TCP server and sends the
/// session's UUID, then audio frames (0x12 slin16 through ARI, 0x10 slin 8 kHz from the dialplan
/// `AudioSocket()` application, little-endian) and DTMF frames (0x03). Outbound frames of the same kind
/// leave paced by the event loop's shared 20 ms tick: AudioSocket plays whatever arrives at once.
public final class AudioSocketSession: MediaSession, PacingTicker.Client, @unchecked Sendable {
    public let offer: MediaOffer
    public let inbound: AsyncStream<AudioFrame>
    public let digits: AsyncStream<String>
    /// The session's UUID (the `data` of externalMedia, the first frame of the connection).
    public let uuid: String

    private struct State {
        var channel: (any Channel)?
        var ticker: PacingTicker?
        var closed = false
        var framer = InboundFramer()
        var connectWaiters: [CheckedContinuation<Bool, Never>] = []
        var connectTimedOut = false
    }

    /// How long `connect` waits for Asterisk's TCP connection.
    let connectTimeout: Duration

    private let state = Mutex(State())
    private let output: PacedOutput
    private let outboundKind: AudioSocketFrame.Kind
    private let feed: AsyncStream<AudioFrame>.Continuation
    private let digitFeed: AsyncStream<String>.Continuation
    private let tickers: PacingTickers
    private let metrics: MediaMetrics
    private let logger: Logger
    private let onClose: @Sendable () -> Void

    init(
        uuid: String, externalHost: String, wireRate: Int, tickers: PacingTickers, metrics: MediaMetrics, logger: Logger,
        connectTimeout: Duration = .seconds(5), onClose: @escaping @Sendable () -> Void
    ) {
        self.uuid = uuid
        self.connectTimeout = connectTimeout
        offer = MediaOffer(transport: .audiosocket, externalHost: externalHost, format: wireRate == 8_000 ? "slin" : "slin16", data: uuid)
        outboundKind = AudioSocketFrame.Kind.audio(rate: wireRate) ?? .slin16
        output = PacedOutput(wireRate: wireRate, encoding: .l16LittleEndian)
        self.tickers = tickers
        self.metrics = metrics
        self.logger = logger
        self.onClose = onClose
        (inbound, feed) = AsyncStream.makeStream(of: AudioFrame.self, bufferingPolicy: .bufferingNewest(100))
        (digits, digitFeed) = AsyncStream.makeStream(of: String.self)
    }

    /// Asterisk does the connecting (while it creates the channel, so normally before externalMedia
    /// returns): waits for that connection, up to `connectTimeout`.
    public func connect(_ attachment: MediaAttachment) async throws(ProviderError) {
        let timeout = connectTimeout
        let timer = Task {
            try? await Task.sleep(for: timeout)
            guard !Task.isCancelled else { return }
            self.state.withLock { $0.connectTimedOut = true }
            self.releaseConnectWaiters(connected: false)
        }
        let connected = await withCheckedContinuation { (waiter: CheckedContinuation<Bool, Never>) in
            let ready = state.withLock { state -> Bool? in
                if state.channel != nil { return true }
                if state.closed || state.connectTimedOut { return false }
                state.connectWaiters.append(waiter)
                return nil
            }
            if let ready { waiter.resume(returning: ready) }
        }
        timer.cancel()
        guard connected else {
            throw ProviderError(.unavailable, provider: "audiosocket", "Asterisk did not connect with UUID \(uuid) within \(timeout)")
        }
    }

    /// Resumes every `connect` waiting (each exactly once: they are taken out under the lock).
    private func releaseConnectWaiters(connected: Bool) {
        let waiters = state.withLock { state in
            let waiters = state.connectWaiters
            state.connectWaiters = []
            return waiters
        }
        for waiter in waiters { waiter.resume(returning: connected) }
    }

    /// Asterisk's connection arrived with this session's UUID (on the connection's event loop).
    func attach(_ channel: any Channel) {
        let ticker = tickers.ticker(for: channel.eventLoop)
        let accepted = state.withLock { state -> Bool in
            guard !state.closed, state.channel == nil else { return false }
            state.channel = channel
            state.ticker = ticker
            return true
        }
        guard accepted else {
            channel.close(promise: nil)
            return
        }
        logger.debug("AudioSocket connected", metadata: ["audiosocket.remote": "\(channel.remoteAddress.map { "\($0)" } ?? "-")"])
        ticker.add(self)
        releaseConnectWaiters(connected: true)
    }

    /// One frame from Asterisk.
    func receive(_ frame: AudioSocketFrame) {
        switch frame.kind {
        case .dtmf:
            guard frame.payload.count == 1 else { metrics.dropFrame("audiosocket", "bad_payload_size"); return }
            digitFeed.yield(String(UnicodeScalar(frame.payload[0])))
        case .hangup, .error:
            if frame.kind == .error { logger.warning("AudioSocket error frame", metadata: ["code": "\(frame.payload.first ?? 0)"]) }
            state.withLock { $0.channel }?.close(promise: nil)
        case .uuid:
            metrics.dropFrame("audiosocket", "bad_uuid")
        default:
            guard let rate = frame.kind.sampleRate else { metrics.dropFrame("audiosocket", "unknown_kind"); return }
            guard frame.payload.count >= 2, frame.payload.count % 2 == 0 else { metrics.dropFrame("audiosocket", "bad_payload_size"); return }
            let samples = L16.decodeLittleEndian(frame.payload)
            state.withLock { state in
                guard !state.closed else { return }
                state.framer.append(samples, rate: rate) { feed.yield($0) }
            }
            metrics.packetsIn.increment()
        }
    }

    /// Asterisk closed the connection: the call is gone.
    func connectionClosed() {
        feed.finish()
        digitFeed.finish()
    }

    public func play(_ audio: AudioStream, onFirstFrame: @escaping @Sendable () -> Void) async throws(ProviderError) -> PlaybackOutcome {
        try await output.play(audio, onFirstFrame: onFirstFrame)
    }

    /// The event loop of Asterisk's connection (nil until it has connected).
    public var preferredExecutor: (any TaskExecutor)? {
        state.withLock { $0.channel }.map { EventLoopTaskExecutors.shared.executor(for: $0.eventLoop) }
    }

    public func flush() async {
        output.flush()
    }

    func tick(_ index: UInt64) {
        guard let channel = state.withLock({ $0.closed ? nil : $0.channel }), let frame = output.next() else { return }
        var buffer = channel.allocator.buffer(capacity: 3 + frame.payload.count)
        buffer.writeAudioSocketFrame(kind: outboundKind, payload: frame.payload)
        channel.writeAndFlush(buffer, promise: nil)
        metrics.packetsOut.increment()
    }

    public func close() async {
        let (channel, ticker, wasClosed) = state.withLock { state in
            let was = state.closed
            state.closed = true
            return (state.channel, state.ticker, was)
        }
        guard !wasClosed else { return }
        releaseConnectWaiters(connected: false)
        output.close()
        ticker?.remove(self)
        feed.finish()
        digitFeed.finish()
        try? await channel?.close()
        onClose()
    }
}
