/// Decides, frame by frame, whether the caller is really talking over a prompt.
///
/// A prompt is paused at the first sign of the caller's voice (`onset`: `onsetDuration` of voice, so
/// that playback stops within 100 ms of the caller starting) and only cut for good once the caller has
/// spoken for `minimumSpeech` (`confirmed`). Voice that stops before that (`abandoned`: a cough, a click,
/// a word of line noise) lets the prompt go on where it paused. Fed the echo-guarded voice decisions.
public struct BargeInJudge: Sendable, Hashable {
    /// Tuning knobs.
    public struct Configuration: Sendable, Hashable {
        /// The length of the frames it is fed.
        public var frameDuration: Duration = .milliseconds(20)
        /// Voice for this long pauses the prompt.
        public var onsetDuration: Duration = .milliseconds(40)
        /// Voice for this long in all (since the onset, gaps of up to `abandonAfter` allowed) cuts it.
        public var minimumSpeech: Duration = .milliseconds(200)
        /// No voice for this long before `minimumSpeech` gives the prompt back.
        public var abandonAfter: Duration = .milliseconds(200)
        /// After a confirmed interruption, this much silence ends it (a new onset can follow).
        public var settleAfter: Duration = .milliseconds(400)
        public init() {}
    }

    /// What a frame changed.
    public enum Event: Sendable, Hashable {
        /// The caller may be talking: pause the prompt.
        case onset
        /// The caller talked for `minimumSpeech`: an interruption (its transcript decides what follows).
        case confirmed
        /// The voice stopped short of `minimumSpeech`: resume the prompt.
        case abandoned
    }

    private enum State: Sendable, Hashable {
        case idle(run: Duration)
        case pending(voiced: Duration, silence: Duration)
        case confirmed(silence: Duration)
    }

    /// The settings it judges by.
    public let configuration: Configuration
    private var state = State.idle(run: .zero)

    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    /// Feeds the next frame's (echo-guarded) voice decision.
    public mutating func frame(voiced: Bool) -> Event? {
        let step = configuration.frameDuration
        switch state {
        case .idle(let run):
            let run = voiced ? run + step : .zero
            if run >= configuration.onsetDuration {
                state = .pending(voiced: run, silence: .zero)
                return .onset
            }
            state = .idle(run: run)
            return nil
        case .pending(let voiced0, let silence):
            if voiced {
                let total = voiced0 + step
                if total >= configuration.minimumSpeech {
                    state = .confirmed(silence: .zero)
                    return .confirmed
                }
                state = .pending(voiced: total, silence: .zero)
                return nil
            }
            return quiet(voiced0, silence + step)
        case .confirmed(let silence):
            return settle(voiced ? .zero : silence + step)
        }
    }

    /// Accounts for `duration` without packets (silence).
    public mutating func gap(_ duration: Duration) -> Event? {
        switch state {
        case .idle: return nil
        case .pending(let voiced, let silence): return quiet(voiced, silence + duration)
        case .confirmed(let silence): return settle(silence + duration)
        }
    }

    private mutating func quiet(_ voiced: Duration, _ silence: Duration) -> Event? {
        if silence >= configuration.abandonAfter {
            state = .idle(run: .zero)
            return .abandoned
        }
        state = .pending(voiced: voiced, silence: silence)
        return nil
    }

    private mutating func settle(_ silence: Duration) -> Event? {
        state = silence >= configuration.settleAfter ? .idle(run: .zero) : .confirmed(silence: silence)
        return nil
    }
}
