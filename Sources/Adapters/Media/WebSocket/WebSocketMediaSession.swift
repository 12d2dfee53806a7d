import Domain
import Logging
import NIOCore
import Synchronization
import WSClient

/// The audio of one call over chan_websocket (Asterisk 22.8+): the daemon connects to
/// `ws://ASTERISK:8088/media/<MEDIA_WEBSOCKET_CONNECTION_ID>` with subprotocol `media`, waits for
/// MEDIA_START, then exchanges binary frames of slin16 little-endian. Outbound frames leave one per
/// 20 ms from the shared tick; `flush()` also sends FLUSH_MEDIA so Asterisk drops what it queued;
/// DTMF_END events become `digits`.
public final class WebSocketMediaSession: MediaSession, PacingTicker.Client, @unchecked Sendable {
    public let offer: MediaOffer
    public let inbound: AsyncStream<AudioFrame>
    public let digits: AsyncStream<String>

    enum Outgoing: Sendable {
        case binary([UInt8])
        case text(String)
    }

    private struct State {
        var closed = false
        var started = false
        var framer = InboundFramer()
        var task: Task<Void, Never>?
        var startWaiter: CheckedContinuation<Bool, Never>?
        var startFinished = false
    }

    private let state = Mutex(State())
    private let output = PacedOutput(wireRate: 16_000, encoding: .l16LittleEndian)
    private let feed: AsyncStream<AudioFrame>.Continuation
    private let digitFeed: AsyncStream<String>.Continuation
    private let outgoing: AsyncStream<Outgoing>
    private let send: AsyncStream<Outgoing>.Continuation
    private let configuration: WebSocketMediaEngine.Configuration
    private let group: any EventLoopGroup
    private let ticker: PacingTicker
    private let metrics: MediaMetrics
    private let logger: Logger

    init(configuration: WebSocketMediaEngine.Configuration, group: any EventLoopGroup, ticker: PacingTicker, metrics: MediaMetrics, logger: Logger) {
        offer = MediaOffer(transport: .websocket, externalHost: "", format: "slin16")
        self.configuration = configuration
        self.group = group
        self.ticker = ticker
        self.metrics = metrics
        self.logger = logger
        (inbound, feed) = AsyncStream.makeStream(of: AudioFrame.self, bufferingPolicy: .bufferingNewest(100))
        (digits, digitFeed) = AsyncStream.makeStream(of: String.self)
        (outgoing, send) = AsyncStream.makeStream(of: Outgoing.self, bufferingPolicy: .bufferingNewest(64))
    }

    /// Connects to Asterisk's media WebSocket and returns once MEDIA_START arrived.
    public func connect(_ attachment: MediaAttachment) async throws(ProviderError) {
        guard let id = attachment.variables["MEDIA_WEBSOCKET_CONNECTION_ID"], !id.isEmpty,
            id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." })
        else {
            throw ProviderError(.badResponse, provider: "websocket", "the media channel has no usable MEDIA_WEBSOCKET_CONNECTION_ID")
        }
        let url = "\(configuration.baseURL)/media/\(id)"
        let task = Task { await self.run(url: url) }
        let closed = state.withLock { state -> Bool in
            if state.closed { return true }
            state.task = task
            return false
        }
        if closed { task.cancel() }
        let timeout = configuration.startTimeout
        let started: Bool = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await withCheckedContinuation { (waiter: CheckedContinuation<Bool, Never>) in
                    let result = self.state.withLock { state -> Bool? in
                        if state.startFinished { return state.started }
                        state.startWaiter = waiter
                        return nil
                    }
                    if let result { waiter.resume(returning: result) }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            self.finishStart(false)
            return first
        }
        guard started else {
            await close()
            throw ProviderError(.unavailable, provider: "websocket", "no MEDIA_START from \(url) within \(timeout)")
        }
    }

    private func run(url: String) async {
        let config = WebSocketClientConfiguration(
            maxFrameSize: 1 << 16, additionalHeaders: [.secWebSocketProtocol: "media"], autoPing: .disabled)
        do {
            try await WebSocketClient.connect(url: url, configuration: config, eventLoopGroup: group, logger: logger) { inbound, outbound, _ in
                try await withThrowingTaskGroup(of: Void.self) { tasks in
                    tasks.addTask {
                        for await item in self.outgoing {
                            switch item {
                            case .binary(let bytes): try await outbound.write(.binary(ByteBuffer(bytes: bytes)))
                            case .text(let text): try await outbound.write(.text(text))
                            }
                        }
                        // Closed by the daemon: a close frame, so Asterisk ends the channel normally (a bare
                        // TCP close is "Web socket closed abruptly" and hangup cause 38 there).
                        try await outbound.close(.normalClosure, reason: nil)
                    }
                    for try await message in inbound.messages(maxSize: 1 << 16) {
                        self.handle(message)
                    }
                    tasks.cancelAll()
                }
            }
        } catch {
            if !state.withLock({ $0.closed }) { logger.warning("media WebSocket failed", metadata: ["error": "\(error)"]) }
        }
        finishStart(false)
        ticker.remove(self)
        feed.finish()
        digitFeed.finish()
        send.finish()
    }

    private func handle(_ message: WebSocketMessage) {
        switch message {
        case .binary(let buffer):
            guard state.withLock({ $0.started }) else { metrics.dropFrame("websocket", "not_audio"); return }
            guard buffer.readableBytes >= 2, buffer.readableBytes % 2 == 0 else { metrics.dropFrame("websocket", "bad_payload_size"); return }
            var samples: [Int16] = []
            buffer.readableBytesView.withUnsafeBytes { L16.decodeLittleEndian($0, into: &samples) }
            state.withLock { state in
                guard !state.closed else { return }
                state.framer.append(samples, rate: 16_000) { feed.yield($0) }
            }
            metrics.packetsIn.increment()
        case .text(let text):
            let event: MediaWebSocketEvent
            do { event = try MediaWebSocketEvent(parsing: text) } catch {
                metrics.dropFrame("websocket", error.rawValue)
                return
            }
            switch event {
            case .mediaStart(let format, _, _, _):
                guard format == "slin16" else {
                    logger.error("chan_websocket started with an unexpected format", metadata: ["format": "\(format)"])
                    finishStart(false)
                    return
                }
                state.withLock { $0.started = true }
                ticker.add(self)
                finishStart(true)
            case .dtmfEnd(let digit): digitFeed.yield(digit)
            case .mediaXOff, .mediaXOn, .other: break
            }
        }
    }

    private func finishStart(_ started: Bool) {
        let waiter = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            guard !state.startFinished else { return nil }
            state.startFinished = true
            let waiter = state.startWaiter
            state.startWaiter = nil
            return waiter
        }
        waiter?.resume(returning: started)
    }

    public func play(_ audio: AudioStream, onFirstFrame: @escaping @Sendable () -> Void) async throws(ProviderError) -> PlaybackOutcome {
        try await output.play(audio, onFirstFrame: onFirstFrame)
    }

    public func flush() async {
        output.flush()
        send.yield(.text(MediaWebSocketCommand.flushMedia.rawValue))
    }

    func tick(_ index: UInt64) {
        guard !state.withLock({ $0.closed }), let frame = output.next() else { return }
        send.yield(.binary(frame.payload))
        metrics.packetsOut.increment()
    }

    public func close() async {
        let (task, wasClosed) = state.withLock { state in
            let was = state.closed
            state.closed = true
            return (state.task, was)
        }
        guard !wasClosed else { return }
        output.close()
        ticker.remove(self)
        finishStart(false)
        send.finish()
        // The close handshake normally takes a round trip; a peer that never answers it is cut after 2 s.
        if let task {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await task.value }
                group.addTask {
                    try? await Task.sleep(for: .seconds(2))
                    task.cancel()
                }
                await group.next()
                group.cancelAll()
            }
            await task.value
        }
        feed.finish()
        digitFeed.finish()
    }
}
