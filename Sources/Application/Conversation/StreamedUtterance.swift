import Domain

/// The caller's current utterance as a call's transcription stream reports it: which text belongs to
/// it, when it is complete, and when its text is worth starting the agent on before it is.
///
/// A plain value fed with the daemon's voice decisions and the vendor's results; it returns what the
/// listener should do. The daemon's voice detection decides where speech starts (barge-in never waits
/// for a vendor); the end is the vendor's end-of-speech decision when `vendorEndpointing` is on and it
/// comes first, otherwise the daemon's endpointer followed by a flush of the vendor's pending text.
struct StreamedUtterance: Sendable {
    struct Settings: Sendable, Hashable {
        /// The vendor's end-of-speech decision completes an utterance.
        var vendorEndpointing = true
        /// Silence inside an utterance after which its text so far is offered to the agent (zero: never).
        var earlyStart: Duration = .zero
        /// How long to wait for the vendor's last segment after a flush before taking its partial text.
        var finalWait: Duration = .milliseconds(1500)
    }

    enum Output: Sendable, Hashable {
        /// The utterance is complete. `settled`: its text is all finalised by the vendor (false: the
        /// vendor's partial text was taken after `finalWait`). `byVendor`: the vendor decided the end.
        case utterance(Transcript, speechEndedAt: Duration, settled: Bool, byVendor: Bool)
        /// The caller paused: the text so far may be answered early.
        case provisional(String)
        /// The caller went on after a provisional text.
        case withdraw
        /// Ask the vendor to finalise what it heard.
        case finalize
    }

    let settings: Settings
    private var segments: [String] = []
    private var confidence: Double?
    private var partial = ""
    private var inSpeech = false
    private var lastVoiced: Duration = .zero
    private var flushing: (since: Duration, speechEndedAt: Duration)?
    private var provisional: String?

    init(settings: Settings) { self.settings = settings }

    /// The text heard so far in this utterance.
    var text: String { (segments + (partial.isEmpty ? [] : [partial])).joined(separator: " ") }

    /// The daemon detected the start of speech: text heard before it belongs to no utterance (noise,
    /// the echo of a prompt). An utterance still waiting for its flush completes first.
    mutating func speechStarted(now: Duration) -> [Output] {
        var out: [Output] = []
        if let flushing { out.append(complete(speechEndedAt: flushing.speechEndedAt, settled: false, byVendor: false)) }
        reset()
        inSpeech = true
        lastVoiced = now
        return out
    }

    /// A voiced frame inside the utterance.
    mutating func voiced(now: Duration) -> [Output] {
        lastVoiced = now
        guard provisional != nil else { return [] }
        provisional = nil
        return [.withdraw]
    }

    /// `silent` of silence so far inside the utterance.
    mutating func silence(_ silent: Duration) -> [Output] {
        guard inSpeech, settings.earlyStart > .zero, provisional == nil, silent >= settings.earlyStart else { return [] }
        let text = text
        guard !text.isEmpty else { return [] }
        provisional = text
        return [.provisional(text)]
    }

    /// The daemon's endpointer says the caller stopped at `speechEndedAt`.
    mutating func speechEnded(speechEndedAt: Duration, now: Duration) -> [Output] {
        guard inSpeech else { return [] }
        inSpeech = false
        if partial.isEmpty && !segments.isEmpty {
            return [complete(speechEndedAt: speechEndedAt, settled: true, byVendor: false)]
        }
        flushing = (now, speechEndedAt)
        return [.finalize]
    }

    /// A result from the vendor.
    mutating func vendor(_ event: CallTranscriptionEvent) -> [Output] {
        switch event {
        case .partial(let text):
            partial = text
            return []
        case .segment(let transcript, let endOfSpeech):
            if !transcript.text.isEmpty {
                segments.append(transcript.text)
                partial = ""
                if let value = transcript.confidence { confidence = min(confidence ?? value, value) }
            }
            if let flushing, partial.isEmpty {
                return [complete(speechEndedAt: flushing.speechEndedAt, settled: true, byVendor: false)]
            }
            if endOfSpeech && settings.vendorEndpointing && inSpeech && partial.isEmpty && !segments.isEmpty {
                inSpeech = false
                return [complete(speechEndedAt: lastVoiced, settled: true, byVendor: true)]
            }
            return []
        case .failed:
            return []
        }
    }

    /// Time passes: a flush the vendor did not answer in time completes with the partial text.
    mutating func tick(now: Duration) -> [Output] {
        guard let flushing, now - flushing.since >= settings.finalWait else { return [] }
        return [complete(speechEndedAt: flushing.speechEndedAt, settled: false, byVendor: false)]
    }

    /// Whether the utterance waits for the vendor (so the listener keeps its audio for a failover).
    var isOpen: Bool { inSpeech || flushing != nil }

    private mutating func complete(speechEndedAt: Duration, settled: Bool, byVendor: Bool) -> Output {
        let transcript = Transcript(text: text, isFinal: true, confidence: confidence)
        reset()
        return .utterance(transcript, speechEndedAt: speechEndedAt, settled: settled, byVendor: byVendor)
    }

    private mutating func reset() {
        segments = []
        partial = ""
        confidence = nil
        flushing = nil
        provisional = nil
        inSpeech = false
    }
}
