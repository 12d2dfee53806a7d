import Domain

/// Whether a frame from the caller's leg is the caller's voice: the voice detector's decision, with
/// what is only the echo of the daemon's own prompt taken out by the `EchoGuard`. What the utterance
/// listener and the barge-in judge are fed (and what the barge-in benchmark measures).
public struct CallerVoice: Sendable {
    /// The voice detector (its noise floor is the guard's too).
    public var vad = VoiceActivityDetector()
    /// The echo guard, learning the call's echo path.
    public var echoGuard = EchoGuard()
    /// Whether the echo guard is used (`conversation.echo_guard`).
    public let guarded: Bool

    /// A fresh judge; `guarded: false` leaves the voice detector alone.
    public init(guarded: Bool = true) {
        self.guarded = guarded
    }

    /// Judges `frame`; `reference[d]` is the level of what was played `d` frames before it arrived (nil:
    /// nothing was played lately).
    public mutating func isCallerSpeech(_ frame: AudioFrame, reference: [Double]?) -> Bool {
        let (voiced, level) = vad.classify(frame)
        guard guarded, let reference else { return voiced }
        return echoGuard.isCallerSpeech(level: level, voiced: voiced, floor: vad.noiseFloorDB, reference: reference)
    }

    /// Accounts for 20 ms in which no packet came while `reference` was played: no echo came back either
    /// (a line with echo sends it), which the guard learns as such.
    public mutating func noPacket(reference: [Double]) {
        guard guarded else { return }
        _ = echoGuard.isCallerSpeech(level: -100, voiced: false, floor: vad.noiseFloorDB, reference: reference)
    }
}
