import Domain

/// The frames waiting to be sent for the current playback, and how that playback ends.
/// Plain state; `RTPMediaSession` guards it with its lock.
struct OutboundQueue {
    /// A playback in progress.
    struct Playback {
        let id: Int
        var producerDone = false
        var sentFrames = 0
        var started = false
        var onFirstFrame: (@Sendable () -> Void)?
        var waiter: CheckedContinuation<PlaybackOutcome, Never>?
        /// Set when the playback ended before anyone waited for it.
        var outcome: PlaybackOutcome?
    }

    private var frames: [[UInt8]] = []
    private var head = 0
    private(set) var playback: Playback?
    private var nextID = 0
    /// The last playback interrupted before anyone waited for it, and how many frames it had sent, so
    /// that its late `wait` still learns how much was heard.
    private var interruptedUnwaited: (id: Int, sentFrames: Int)?
    /// Set by `close()`: every playback from then on ends at once as interrupted.
    private(set) var closed = false
    /// A producer waiting for the queue to drain (back-pressure on a TTS faster than real time).
    var spaceWaiter: CheckedContinuation<Void, Never>?

    var isEmpty: Bool { head >= frames.count }
    var queuedCount: Int { frames.count - head }

    /// Starts a playback; a previous one still running is returned so it can be told it was interrupted.
    mutating func begin(onFirstFrame: @escaping @Sendable () -> Void) -> (id: Int, interrupted: Playback?) {
        let previous = takeInterrupted()
        nextID += 1
        playback = Playback(id: nextID, onFirstFrame: onFirstFrame)
        return (nextID, previous)
    }

    mutating func enqueue(_ payloads: [[UInt8]], for id: Int) {
        guard playback?.id == id else { return }
        frames.append(contentsOf: payloads)
    }

    mutating func producerFinished(_ id: Int) {
        guard playback?.id == id else { return }
        playback?.producerDone = true
    }

    /// The next payload to send, whether it starts the playback (marker bit), and a playback that just
    /// completed (its waiter to resume).
    mutating func next() -> (payload: [UInt8]?, first: Bool, firstFrameCallback: (@Sendable () -> Void)?, completed: Playback?) {
        guard playback != nil else { return (nil, false, nil, nil) }
        if head < frames.count {
            // Taken out by swapping (no copy of the reference), freed by the caller: one frame per tick.
            // (A compaction below that freed 512 frames of every call at once held up the pacing tick.)
            var payload: [UInt8] = []
            swap(&payload, &frames[head])
            head += 1
            if head > 512 {
                frames.removeFirst(head)
                head = 0
            }
            // The playback is updated in place: copying it out retains its callback and waiter every frame.
            let first = !playback!.started
            playback!.started = true
            playback!.sentFrames += 1
            let callback = first ? playback!.onFirstFrame : nil
            // The last frame of a finished producer completes the playback on this tick, so the next one
            // (the reply's next sentence) can queue its first frame before the next tick: no empty tick,
            // no 20 ms hole between sentences.
            return (payload, first, callback, head >= frames.count ? complete() : nil)
        }
        return (nil, false, nil, complete())
    }

    /// Ends the current playback if its producer is done and every frame was taken: returned when its
    /// waiter is there to resume, else its outcome is kept for `wait`.
    private mutating func complete() -> Playback? {
        guard var current = playback, current.producerDone, current.outcome == nil, head >= frames.count else { return nil }
        if current.waiter != nil {
            playback = nil
            return current
        }
        current.outcome = .completed(sent: .milliseconds(20 * current.sentFrames))
        playback = current
        return nil
    }

    /// Drops queued frames and ends the current playback as interrupted (returned to resume its waiter).
    mutating func takeInterrupted() -> Playback? {
        frames.removeAll(keepingCapacity: true)
        head = 0
        guard let current = playback else { return nil }
        playback = nil
        if current.waiter == nil { interruptedUnwaited = (current.id, current.sentFrames) }
        return current
    }

    /// Ends the current playback (returned, to resume its waiter) and refuses every later one.
    mutating func close() -> Playback? {
        closed = true
        return takeInterrupted()
    }

    /// What `wait` found.
    enum WaitResult {
        case registered
        case finished(PlaybackOutcome)
        /// Interrupted before anyone waited, after sending this much.
        case gone(sent: Duration)
    }

    /// Registers the waiter of playback `id`, or returns its outcome if it already ended.
    mutating func wait(_ id: Int, _ waiter: CheckedContinuation<PlaybackOutcome, Never>) -> WaitResult {
        guard let current = playback, current.id == id else {
            let frames = interruptedUnwaited.map { $0.id == id ? $0.sentFrames : 0 } ?? 0
            return .gone(sent: .milliseconds(20 * frames))
        }
        if let outcome = current.outcome {
            playback = nil
            return .finished(outcome)
        }
        playback?.waiter = waiter
        return .registered
    }
}
