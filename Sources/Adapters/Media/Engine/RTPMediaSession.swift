import Domain
import Logging
import NIOCore
import Synchronization

/// The audio of one call over ExternalMedia RTP: ulaw/alaw/slin16 in, ulaw out, paced by the event
/// loop's shared 20 ms tick.
public final class RTPMediaSession: MediaSession, PacingTicker.Client, @unchecked Sendable {
    public let offer: MediaOffer
    public let inbound: AsyncStream<AudioFrame>
    /// The UDP port the session listens on.
    public let localPort: Int

    private struct State {
        var channel: (any Channel)?
        var remote: SocketAddress?
        var closed = false
        var queue = OutboundQueue()
        var sequence: UInt16
        /// RTP timestamp of the last frame sent.
        var timestamp: UInt32 = 0
        var upsampler = Upsampler2x()
        var lastReceivedSequence: UInt16?
        var remoteSSRC: UInt32?
    }

    private let state: Mutex<State>
    private let feed: AsyncStream<AudioFrame>.Continuation
    private let ticker: PacingTicker
    private let ssrc: UInt32
    private let timestampBase: UInt32
    private let metrics: MediaMetrics
    private let logger: Logger
    private let onClose: @Sendable () -> Void

    init(host: String, port: Int, ticker: PacingTicker, metrics: MediaMetrics, logger: Logger, onClose: @escaping @Sendable () -> Void) {
        self.offer = MediaOffer(transport: .rtp, externalHost: "\(host):\(port)", format: "ulaw")
        self.localPort = port
        self.ticker = ticker
        self.metrics = metrics
        self.logger = logger
        self.onClose = onClose
        var generator = SystemRandomNumberGenerator()
        ssrc = UInt32.random(in: 1...UInt32.max, using: &generator)
        timestampBase = UInt32.random(in: 0...UInt32.max, using: &generator)
        state = Mutex(State(sequence: UInt16.random(in: 0...UInt16.max, using: &generator)))
        (inbound, feed) = AsyncStream.makeStream(of: AudioFrame.self, bufferingPolicy: .bufferingNewest(100))
    }

    func attach(_ channel: any Channel) {
        state.withLock { $0.channel = channel }
        ticker.add(self)
    }

    public func connect(_ attachment: MediaAttachment) async throws(ProviderError) {
        guard let host = attachment.variables["UNICASTRTP_LOCAL_ADDRESS"],
            let portText = attachment.variables["UNICASTRTP_LOCAL_PORT"], let port = Int(portText)
        else {
            throw ProviderError(.badResponse, provider: "rtp", "the media channel has no UNICASTRTP_LOCAL_ADDRESS/PORT")
        }
        do {
            let address = try SocketAddress(ipAddress: host, port: port)
            state.withLock { if $0.remote == nil { $0.remote = address } }
            logger.debug("RTP peer", metadata: ["rtp.remote": "\(address)", "rtp.local_port": "\(localPort)"])
        } catch {
            throw ProviderError(.badResponse, provider: "rtp", "bad RTP address \(host):\(port)")
        }
    }

    // MARK: Inbound

    /// One datagram from the socket (on the channel's event loop).
    func receive(_ bytes: ByteBufferView, from source: SocketAddress) {
        let packet: RTPPacket
        do { packet = try RTPPacket(parsing: bytes) } catch {
            metrics.drop(error.rawValue)
            return
        }
        let frame: AudioFrame? = state.withLock { state in
            guard !state.closed else { metrics.drop("after_close"); return nil }
            if let last = state.lastReceivedSequence, state.remoteSSRC == packet.ssrc,
                Int16(bitPattern: packet.sequenceNumber &- last) <= 0
            {
                metrics.drop("duplicate_or_late")
                return nil
            }
            let samples16k: [Int16]
            switch packet.payloadType {
            case 0, 8:
                guard !packet.payload.isEmpty, packet.payload.count <= 480 else { metrics.drop("bad_payload_size"); return nil }
                let narrow = packet.payloadType == 0 ? packet.payload.map(G711.ulawDecode) : packet.payload.map(G711.alawDecode)
                samples16k = state.upsampler.process(narrow)
            case 118:
                guard packet.payload.count >= 2, packet.payload.count % 2 == 0, packet.payload.count <= 1920 else {
                    metrics.drop("bad_payload_size"); return nil
                }
                samples16k = stride(from: 0, to: packet.payload.count, by: 2).map {
                    Int16(bitPattern: UInt16(packet.payload[$0]) << 8 | UInt16(packet.payload[$0 + 1]))
                }
            default:
                metrics.drop("unknown_payload_type")
                return nil
            }
            state.lastReceivedSequence = packet.sequenceNumber
            state.remoteSSRC = packet.ssrc
            // Symmetric RTP: answer where valid media comes from.
            if state.remote != source { state.remote = source }
            return AudioFrame(samples: samples16k, sampleRate: 16_000)
        }
        guard let frame else { return }
        metrics.packetsIn.increment()
        feed.yield(frame)
    }

    // MARK: Outbound

    public func play(_ audio: AudioStream, onFirstFrame: @escaping @Sendable () -> Void) async throws(ProviderError) -> PlaybackOutcome {
        let (id, previous) = state.withLock { $0.queue.begin(onFirstFrame: onFirstFrame) }
        resume(previous, interrupted: true)
        var converter = OutboundConverter(wireRate: 8_000)
        var failure: ProviderError?
        do {
            for try await chunk in audio {
                let frames = converter.append(chunk).map { $0.map(G711.ulawEncode) }
                let current = state.withLock { state in
                    state.queue.enqueue(frames, for: id)
                    return state.queue.playback?.id == id
                }
                if !current { break }
            }
        } catch {
            failure = (error as? ProviderError) ?? ProviderError(.badResponse, provider: "tts", "\(error)")
        }
        if let last = converter.finish() {
            state.withLock { $0.queue.enqueue([last.map(G711.ulawEncode)], for: id) }
        }
        state.withLock { $0.queue.producerFinished(id) }
        let outcome = await withTaskCancellationHandler {
            await withCheckedContinuation { (waiter: CheckedContinuation<PlaybackOutcome, Never>) in
                switch state.withLock({ $0.queue.wait(id, waiter) }) {
                case .registered: break
                case .finished(let outcome): waiter.resume(returning: outcome)
                case .gone: waiter.resume(returning: .interrupted(sent: .zero))
                }
            }
        } onCancel: {
            let stopped = self.state.withLock { state in state.queue.playback?.id == id ? state.queue.takeInterrupted() : nil }
            self.resume(stopped, interrupted: true)
        }
        if let failure, case .completed(let sent) = outcome, sent == .zero { throw failure }
        return outcome
    }

    public func flush() async {
        let stopped = state.withLock { $0.queue.takeInterrupted() }
        resume(stopped, interrupted: true)
    }

    /// Sends the next queued frame (on the ticker's event loop).
    func tick(_ index: UInt64) {
        let (send, callback, completed) = state.withLock { state -> (([UInt8], SocketAddress, any Channel)?, (@Sendable () -> Void)?, OutboundQueue.Playback?) in
            guard !state.closed, let channel = state.channel, let remote = state.remote else { return (nil, nil, nil) }
            let next = state.queue.next()
            guard let payload = next.payload else { return (nil, nil, next.completed) }
            state.sequence &+= 1
            // Within a talk spurt the timestamp advances one frame per frame sent, even if a late loop
            // skipped a tick (the audio is continuous); a new spurt resumes from the wall clock.
            state.timestamp = next.first ? timestampBase &+ UInt32(truncatingIfNeeded: index &* 160) : state.timestamp &+ 160
            let packet = RTPPacket(
                marker: next.first, payloadType: 0, sequenceNumber: state.sequence,
                timestamp: state.timestamp, ssrc: ssrc, payload: payload)
            return ((packet.bytes, remote, channel), next.firstFrameCallback, nil)
        }
        if let (bytes, remote, channel) = send {
            let buffer = channel.allocator.buffer(bytes: bytes)
            channel.writeAndFlush(AddressedEnvelope(remoteAddress: remote, data: buffer), promise: nil)
            metrics.packetsOut.increment()
        }
        callback?()
        resume(completed, interrupted: false)
    }

    private func resume(_ playback: OutboundQueue.Playback?, interrupted: Bool) {
        guard let playback else { return }
        let sent = Duration.milliseconds(20 * playback.sentFrames)
        playback.waiter?.resume(returning: interrupted ? .interrupted(sent: sent) : .completed(sent: sent))
    }

    // MARK: Life cycle

    public func close() async {
        let (channel, stopped, wasClosed) = state.withLock { state in
            let was = state.closed
            state.closed = true
            return (state.channel, state.queue.takeInterrupted(), was)
        }
        guard !wasClosed else { return }
        resume(stopped, interrupted: true)
        ticker.remove(self)
        feed.finish()
        try? await channel?.close()
        onClose()
    }
}
