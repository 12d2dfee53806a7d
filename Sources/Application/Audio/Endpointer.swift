import Domain

/// Finds the start and end of a caller utterance from per-frame voice decisions.
///
/// Speech starts after `startDuration` of voiced frames (allowing one unvoiced frame inside); it ends
/// after `endSilence` without voice, or at `maxUtterance`. Silence is measured in audio time, so it works
/// for real-time packets and for files fed as fast as they can be read; gaps with no packets at all are
/// added with `gap(_:)` (Asterisk sends nothing during silence unless `transmit_silence=yes`).
public struct Endpointer: Sendable {
    /// Tuning knobs.
    public struct Configuration: Sendable, Hashable {
        public var frameDuration: Duration = .milliseconds(20)
        public var startDuration: Duration = .milliseconds(80)
        public var endSilence: Duration = .milliseconds(600)
        public var maxUtterance: Duration = .seconds(20)
        public init() {}
    }

    /// What a frame or gap changed.
    public enum Event: Sendable, Hashable {
        case speechStarted
        /// The utterance is over; `trailingSilence` is how long ago the caller stopped talking.
        case speechEnded(trailingSilence: Duration, forced: Bool)
    }

    private enum State: Sendable, Hashable {
        case idle(voicedRun: Duration, misses: Int)
        case speaking(silence: Duration, length: Duration)
    }

    public let configuration: Configuration
    private var state: State = .idle(voicedRun: .zero, misses: 0)

    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    /// Whether an utterance is in progress.
    public var isInSpeech: Bool {
        if case .speaking = state { return true }
        return false
    }

    /// The silence since the caller's last voiced frame inside an utterance (nil outside one).
    public var silence: Duration? {
        if case .speaking(let silence, _) = state { return silence }
        return nil
    }

    /// Feeds the voice decision of the next frame.
    public mutating func frame(voiced: Bool) -> Event? {
        let step = configuration.frameDuration
        switch state {
        case .idle(let run, let misses):
            if voiced {
                let newRun = run + step
                if newRun >= configuration.startDuration {
                    state = .speaking(silence: .zero, length: newRun)
                    return .speechStarted
                }
                state = .idle(voicedRun: newRun, misses: 0)
            } else if run > .zero && misses == 0 {
                state = .idle(voicedRun: run, misses: 1)
            } else {
                state = .idle(voicedRun: .zero, misses: 0)
            }
            return nil
        case .speaking(let silence, let length):
            return advance(silence: voiced ? .zero : silence + step, length: length + step)
        }
    }

    /// Accounts for `duration` during which no audio arrived at all (counts as silence).
    public mutating func gap(_ duration: Duration) -> Event? {
        guard case .speaking(let silence, let length) = state, duration > .zero else { return nil }
        return advance(silence: silence + duration, length: length + duration)
    }

    /// Forgets any utterance in progress.
    public mutating func reset() {
        state = .idle(voicedRun: .zero, misses: 0)
    }

    private mutating func advance(silence: Duration, length: Duration) -> Event? {
        if silence >= configuration.endSilence {
            state = .idle(voicedRun: .zero, misses: 0)
            return .speechEnded(trailingSilence: silence, forced: false)
        }
        if length >= configuration.maxUtterance {
            state = .idle(voicedRun: .zero, misses: 0)
            return .speechEnded(trailingSilence: silence, forced: true)
        }
        state = .speaking(silence: silence, length: length)
        return nil
    }
}
