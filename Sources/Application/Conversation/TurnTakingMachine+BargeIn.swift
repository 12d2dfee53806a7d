/// Barge-in: the caller's voice holds the prompt at once, long enough speech makes it an interruption,
/// and its transcript decides: words cut the prompt for good, none (a cough, line noise, an echo that
/// got through) let it go on from where it was held.
extension TurnTakingMachine {
    /// Whether a prompt is held for the caller's voice.
    var isHeld: Bool { phase == .paused || phase == .heard }

    /// The longest a prompt stays held without a verdict (the longest utterance and its transcription).
    public var heldLimit: Duration { configuration.endpointer.maxUtterance + configuration.sttTimeout + .seconds(1) }

    mutating func bargeIn(_ event: BargeInJudge.Event, interruptible: Bool, now: Duration) -> [Action] {
        switch event {
        case .onset:
            guard isPlaying, configuration.bargeIn, interruptible else { return [] }
            resumePhase = phase
            phase = .paused
            pausedSince = now
            return [.pause]
        case .confirmed:
            guard phase == .paused else { return [] }
            phase = .heard
            return []
        case .abandoned:
            guard phase == .paused else { return [] }
            return resumePrompt()
        }
    }

    /// Words transcribed over a playing prompt the judge let go (a caller quieter than the prompt while
    /// the echo guard learns, a voice given back too soon): the prompt is held as if the judge had heard
    /// them, so that the utterance cuts it. Nothing when no interruptible prompt plays.
    public mutating func holdForWords(interruptible: Bool, now: Duration) -> [Action] {
        let held = bargeIn(.onset, interruptible: interruptible, now: now)
        if !held.isEmpty { phase = .heard }
        return held
    }

    /// The held prompt plays on.
    mutating func resumePrompt() -> [Action] {
        phase = resumePhase
        pausedSince = nil
        return [.resume]
    }

    /// The held prompt is cut: the caller has the turn.
    mutating func cutPrompt() -> [Action] {
        phase = .listening
        pausedSince = nil
        requested = nil
        return [.interrupt]
    }

    /// The caller's utterance was dropped unheard (it ended before the daemon could listen again): the
    /// no-input wait may start.
    public mutating func callerStopped() {
        callerSpeaking = false
    }
}
