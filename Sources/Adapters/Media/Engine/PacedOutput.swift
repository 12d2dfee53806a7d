import AudioCodecs
import Domain
import Synchronization

/// The outbound half every transport shares: `play()` converts provider audio (any rate) into wire
/// frames and queues them; the event loop's pacing tick takes exactly one frame per 20 ms with
/// `next()`; `flush()` drops the queue so the next tick sends nothing (barge-in within one frame).
final class PacedOutput: Sendable {
    /// How a 20 ms frame of wire-rate PCM is encoded.
    enum Encoding: Sendable {
        case ulaw, alaw, l16LittleEndian
    }

    let wireRate: Int
    let encoding: Encoding
    private let queue = Mutex(OutboundQueue())
    /// A producer ahead of real time by more than this many frames (2 s) waits until the queue is
    /// down to `lowWater`: memory per call stays bounded however long the reply. The two are close so
    /// that a long reply is converted a frame or two at a time as the ticks take them, rather than in
    /// bursts of a second of audio per call that would hold up the event loop's next tick (with many calls
    /// in step, as after a prompt played to all of them, those bursts made ticks milliseconds late).
    static let highWater = 100
    static let lowWater = 98
    /// Frames a producer converts before it lets other work on its thread run.
    static let framesPerJob = 5

    init(wireRate: Int, encoding: Encoding) {
        self.wireRate = wireRate
        self.encoding = encoding
    }

    /// One frame to send: its payload and whether it starts a talk spurt (RTP marker).
    struct Frame {
        let payload: [UInt8]
        let first: Bool
    }

    /// Plays `audio`; see `MediaSession.play`.
    func play(_ audio: AudioStream, onFirstFrame: @escaping @Sendable () -> Void) async throws(ProviderError) -> PlaybackOutcome {
        guard let (id, previous, space) = queue.withLock({ queue -> (Int, OutboundQueue.Playback?, CheckedContinuation<Void, Never>?)? in
            guard !queue.closed else { return nil }
            let space = queue.spaceWaiter
            queue.spaceWaiter = nil
            let (id, previous) = queue.begin(onFirstFrame: onFirstFrame)
            return (id, previous, space)
        }) else { return .interrupted(sent: .zero) }  // closed: nothing will ever be sent
        space?.resume()
        resume(previous, interrupted: true)
        var converter = OutboundConverter(wireRate: wireRate)
        var failure: ProviderError?
        var sinceYield = 0
        // The chunk's frames; one array for the whole playback (emptied, not reallocated, per chunk).
        var frames: [[UInt8]] = []
        do {
            for try await chunk in audio {
                frames.removeAll(keepingCapacity: true)
                converter.append(chunk) { frames.append(encode($0)) }
                // The conversion runs on the session's event loop: a long burst (a queue refilled after the
                // high-water mark) is cut into short jobs so that the pacing tick is not held up behind it.
                sinceYield += frames.count
                if sinceYield >= Self.framesPerJob {
                    sinceYield = 0
                    await Task.yield()
                }
                let (current, full) = queue.withLock { queue in
                    queue.enqueue(frames, for: id)
                    return (queue.playback?.id == id, queue.queuedCount > Self.highWater)
                }
                if !current { break }
                if full { await waitForSpace(id) }
            }
        } catch {
            failure = (error as? ProviderError) ?? ProviderError(.badResponse, provider: "tts", "\(error)")
        }
        if let last = converter.finish() {
            let payload = last.withUnsafeBufferPointer { encode($0) }
            queue.withLock { $0.enqueue([payload], for: id) }
        }
        queue.withLock { $0.producerFinished(id) }
        let outcome = await withTaskCancellationHandler {
            await withCheckedContinuation { (waiter: CheckedContinuation<PlaybackOutcome, Never>) in
                switch queue.withLock({ $0.wait(id, waiter) }) {
                case .registered: break
                case .finished(let outcome): waiter.resume(returning: outcome)
                case .gone(let sent): waiter.resume(returning: .interrupted(sent: sent))
                }
            }
        } onCancel: {
            let stopped = self.queue.withLock { queue in queue.playback?.id == id ? queue.takeInterrupted() : nil }
            self.resume(stopped, interrupted: true)
        }
        if let failure, case .completed(let sent) = outcome, sent == .zero { throw failure }
        return outcome
    }

    private func waitForSpace(_ id: Int) async {
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let now = queue.withLock { queue -> Bool in
                guard queue.playback?.id == id, queue.queuedCount > Self.lowWater, queue.spaceWaiter == nil else { return true }
                queue.spaceWaiter = waiter
                return false
            }
            if now { waiter.resume() }
        }
    }

    /// Frames waiting to be sent.
    var queuedFrames: Int { queue.withLock { $0.queuedCount } }

    /// Whether the producer is held back by the high-water mark (waiting for the ticks to take frames).
    var producerIsWaiting: Bool { queue.withLock { $0.spaceWaiter != nil } }

    /// Drops queued audio and ends the current playback as `.interrupted`; every later `play` returns
    /// `.interrupted(sent: .zero)` at once (the session is closed: no tick will ever take a frame).
    func close() {
        let (stopped, space) = queue.withLock { queue in
            let space = queue.spaceWaiter
            queue.spaceWaiter = nil
            return (queue.close(), space)
        }
        space?.resume()
        resume(stopped, interrupted: true)
    }

    /// Drops queued audio; the current playback returns `.interrupted`.
    func flush() {
        let (stopped, space) = queue.withLock { queue in
            let space = queue.spaceWaiter
            queue.spaceWaiter = nil
            return (queue.takeInterrupted(), space)
        }
        space?.resume()
        resume(stopped, interrupted: true)
    }

    /// The frame for this tick, if any (call once per tick). Runs the first-frame callback and resumes a
    /// playback that just completed.
    func next() -> Frame? {
        let (next, space) = queue.withLock { queue in
            let next = queue.next()
            var space: CheckedContinuation<Void, Never>?
            if queue.spaceWaiter != nil, queue.queuedCount <= Self.lowWater {
                space = queue.spaceWaiter
                queue.spaceWaiter = nil
            }
            return (next, space)
        }
        space?.resume()
        next.firstFrameCallback?()
        resume(next.completed, interrupted: false)
        guard let payload = next.payload else { return nil }
        return Frame(payload: payload, first: next.first)
    }

    private func encode(_ samples: UnsafeBufferPointer<Int16>) -> [UInt8] {
        switch encoding {
        case .ulaw: G711.encode(samples, table: G711.ulawEncodeTable)
        case .alaw: G711.encode(samples, table: G711.alawEncodeTable)
        case .l16LittleEndian: L16.encodeLittleEndian(samples)
        }
    }

    private func resume(_ playback: OutboundQueue.Playback?, interrupted: Bool) {
        guard let playback else { return }
        let sent = Duration.milliseconds(20 * playback.sentFrames)
        playback.waiter?.resume(returning: interrupted ? .interrupted(sent: sent) : .completed(sent: sent))
    }
}
