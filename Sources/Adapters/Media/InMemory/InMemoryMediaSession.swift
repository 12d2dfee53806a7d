import Domain

/// The audio of one call, driven by a test instead of a socket: the test pushes caller audio, ends
/// it and presses in-band digits; `play` "sends" each reply frame at once and records it.
///
/// It behaves like the real sessions where the application can tell: caller audio comes out as 20 ms
/// frames of 16 kHz, replies are cut into 20 ms frames at 16 kHz (any input rate), a new `play`, `flush()`
/// or `close()` interrupts the current playback with `.interrupted(sent:)`, and `close()` ends `inbound`
/// and `digits`. Nothing waits on a clock: playback is instant unless the test holds it
/// (`holdPlayback`, then `allowFrames` or `releasePlayback`), which is how barge-in is tested.
public actor InMemoryMediaSession: MediaSession {
    /// One call of `play`: the frames it sent and how it ended (nil while it runs).
    public struct Playback: Sendable, Hashable {
        public var frames: Int
        public var outcome: PlaybackOutcome?
    }

    /// The call the session was opened for.
    public nonisolated let call: CallID
    public nonisolated let offer: MediaOffer
    public nonisolated let inbound: AsyncStream<AudioFrame>
    public nonisolated let digits: AsyncStream<String>
    private let feed: AsyncStream<AudioFrame>.Continuation
    private let digitFeed: AsyncStream<String>.Continuation
    private let connectFailure: ProviderError?
    private var framer = InboundFramer()

    /// The attachments `connect` was called with, in order.
    public private(set) var connections: [MediaAttachment] = []
    /// Every `play` so far, in order.
    public private(set) var playbacks: [Playback] = []
    /// Every frame sent to the caller (16 kHz, 320 samples), across playbacks, in order.
    public private(set) var playedFrames: [AudioFrame] = []
    /// How many times `flush()` was called.
    public private(set) var flushCount = 0
    /// Whether `close()` was called.
    public private(set) var isClosed = false

    /// Frames the held playback may still send; nil when playback flows freely.
    private var credit: Int?
    /// Bumped by every `play`, `flush` and `close`: a playback whose number is no longer current stops.
    private var generation = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// A session offering `offer`; `connectFailure` makes `connect` throw it; `held` starts with
    /// playback held.
    public init(call: CallID, offer: MediaOffer, connectFailure: ProviderError? = nil, held: Bool = false) {
        self.call = call
        self.offer = offer
        self.connectFailure = connectFailure
        self.credit = held ? 0 : nil
        (inbound, feed) = AsyncStream.makeStream(of: AudioFrame.self, bufferingPolicy: .unbounded)
        (digits, digitFeed) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .unbounded)
    }

    // MARK: MediaSession

    /// Records the attachment; throws the configured failure, if any.
    public func connect(_ attachment: MediaAttachment) async throws(ProviderError) {
        connections.append(attachment)
        if let connectFailure { throw connectFailure }
    }

    public func play(_ audio: AudioStream, onFirstFrame: @escaping @Sendable () -> Void) async throws(ProviderError) -> PlaybackOutcome {
        generation += 1
        let id = generation
        let index = playbacks.count
        playbacks.append(Playback(frames: 0))
        wakeWaiters()  // a playback held at the gate sees it was replaced
        guard !isClosed else { return end(index, interrupted: true) }
        var converter = OutboundConverter(wireRate: 16_000)
        var failure: ProviderError?
        do {
            for try await chunk in audio {
                for frame in converter.append(chunk) {
                    guard await send(frame, playback: id, index: index, onFirstFrame) else { return end(index, interrupted: true) }
                }
            }
        } catch {
            failure = (error as? ProviderError) ?? ProviderError(.badResponse, provider: "tts", "\(error)")
        }
        if let last = converter.finish() {
            guard await send(last, playback: id, index: index, onFirstFrame) else { return end(index, interrupted: true) }
        }
        // A cancelled playback stops like a flushed one (the real sessions drop their queue).
        guard generation == id, !Task.isCancelled else { return end(index, interrupted: true) }
        if let failure, playbacks[index].frames == 0 {
            playbacks[index].outcome = .interrupted(sent: .zero)
            throw failure
        }
        return end(index, interrupted: false)
    }

    /// Interrupts the current playback (barge-in).
    public func flush() async {
        flushCount += 1
        generation += 1
        wakeWaiters()
    }

    /// Ends `inbound` and `digits` and interrupts playback. Idempotent.
    public func close() async {
        guard !isClosed else { return }
        isClosed = true
        generation += 1
        feed.finish()
        digitFeed.finish()
        wakeWaiters()
    }

    // MARK: Test side

    /// Caller audio at `sampleRate`, delivered on `inbound` as 20 ms frames of 16 kHz (a partial last
    /// frame waits for the next push). Ignored once closed.
    public func pushCallerAudio(_ samples: [Int16], sampleRate: Int = 16_000) {
        guard !isClosed else { return }
        framer.append(samples, rate: sampleRate) { feed.yield($0) }
    }

    /// Caller audio as frames (any rate and size), re-cut into 20 ms frames of 16 kHz.
    public func push(_ frames: [AudioFrame]) {
        for frame in frames { pushCallerAudio(frame.samples, sampleRate: frame.sampleRate) }
    }

    /// The caller's media stops (as when Asterisk closes the connection): `inbound` finishes.
    public func endInbound() {
        feed.finish()
    }

    /// A digit carried in the media stream (AudioSocket 0x03, chan_websocket DTMF_END).
    public func pressDigit(_ digit: String) {
        guard !isClosed else { return }
        digitFeed.yield(digit)
    }

    /// Holds playback: no further frame is sent until `allowFrames` or `releasePlayback`.
    public func holdPlayback() {
        credit = 0
    }

    /// Lets `count` more frames through a held playback.
    public func allowFrames(_ count: Int) {
        guard let current = credit else { return }
        credit = current + max(0, count)
        wakeWaiters()
    }

    /// Lets playback flow freely again (instantly).
    public func releasePlayback() {
        credit = nil
        wakeWaiters()
    }

    /// Whether a playback is running now.
    public var isPlaying: Bool { playbacks.last.map { $0.outcome == nil } ?? false }

    // MARK: Internals

    /// Sends one frame once the gate allows it; false when the playback was interrupted meanwhile.
    private func send(_ samples: [Int16], playback id: Int, index: Int, _ onFirstFrame: @Sendable () -> Void) async -> Bool {
        while true {
            guard generation == id, !isClosed, !Task.isCancelled else { return false }
            if credit == nil { break }
            if let available = credit, available > 0 {
                credit = available - 1
                break
            }
            await withTaskCancellationHandler {
                await withCheckedContinuation { waiters.append($0) }
            } onCancel: {
                Task { await self.wakeWaiters() }
            }
        }
        if playbacks[index].frames == 0 { onFirstFrame() }
        playbacks[index].frames += 1
        playedFrames.append(AudioFrame(samples: samples, sampleRate: 16_000))
        return true
    }

    private func end(_ index: Int, interrupted: Bool) -> PlaybackOutcome {
        let sent = Duration.milliseconds(20 * playbacks[index].frames)
        let outcome: PlaybackOutcome = interrupted ? .interrupted(sent: sent) : .completed(sent: sent)
        playbacks[index].outcome = outcome
        return outcome
    }

    private func wakeWaiters() {
        let woken = waiters
        waiters.removeAll()
        for waiter in woken { waiter.resume() }
    }
}
