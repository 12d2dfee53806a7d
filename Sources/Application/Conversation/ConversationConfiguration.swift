import Domain

/// How the daemon takes turns with a caller. Defaults follow the design's failure policy.
public struct ConversationConfiguration: Sendable, Hashable {
    /// End of utterance after this much silence.
    public var endSilence: Duration = .milliseconds(600)
    /// Voiced audio needed before an utterance counts as started.
    public var speechStart: Duration = .milliseconds(80)
    /// An utterance is cut at this length.
    public var maxUtterance: Duration = .seconds(20)
    /// Audio kept from before the detected start of speech and sent to STT with it.
    public var preroll: Duration = .milliseconds(300)
    /// Caller speech while the daemon talks stops playback.
    public var bargeIn: Bool = true
    /// Voice over a prompt holds it at once; it is cut only after this much of it (less gives it back).
    public var bargeInMinSpeech: Duration = .milliseconds(200)
    /// Tell the caller's voice from the echo of the daemon's own prompt (the outbound audio as reference).
    public var echoGuard: Bool = true
    /// Re-prompt after this long without caller speech.
    public var noInputTimeout: Duration = .seconds(5)
    /// After this many re-prompts in a row, say goodbye and hang up.
    public var maxNoInputStrikes: Int = 3
    /// The agent must start answering within this time.
    public var agentTimeout: Duration = .seconds(10)
    /// A final transcript must arrive within this time after the end of speech.
    public var sttTimeout: Duration = .seconds(5)
    /// A digit entry the agent asked for ends when no first digit comes within this time.
    public var firstDigitTimeout: Duration = .seconds(5)
    /// A digit entry ends when no further digit comes within this time.
    public var interDigitTimeout: Duration = .seconds(3)
    /// Said when the caller said nothing.
    public var repromptLine: String = "Sorry, I didn't catch that."
    /// Said instead of the greeting when a restarted daemon picks a call up again.
    public var resumeLine: String = "Sorry, where were we?"
    /// Said before hanging up after too many re-prompts.
    public var goodbyeLine: String = "Goodbye."
    /// Said when the agent did not answer in time.
    public var agentFallbackLine: String = "Sorry, I'm having trouble right now. Please try again."
    /// TTS voice; nil for the provider default.
    public var voice: String?
    /// Language for STT and TTS.
    public var language: String = "en-US"
    /// A streaming STT provider keeps one session for the whole call (false: one per utterance).
    public var streamWholeCall: Bool = true
    /// With a whole-call stream: the vendor's end-of-speech decision ends an utterance when it comes
    /// before the daemon's.
    public var vendorEndpointing: Bool = true
    /// With a whole-call stream: a pause this long inside an utterance starts the agent on the text so
    /// far, played only if the final text is the same (zero: off).
    public var earlyStart: Duration = .zero
    /// With a whole-call stream: how long to wait for the vendor's last words after the daemon's end of
    /// speech before taking its partial text.
    public var streamFinalWait: Duration = .milliseconds(1500)

    /// An outbound call: the agent's opening waits for the callee's first words, or this much silence
    /// (nil: the agent speaks first, as on inbound calls).
    public var calleeSpeaksFirst: Duration?

    public init() {}
}

extension ConversationConfiguration {
    /// The whole-call stream's settings.
    var streaming: StreamedUtterance.Settings {
        StreamedUtterance.Settings(vendorEndpointing: vendorEndpointing, earlyStart: earlyStart, finalWait: streamFinalWait)
    }

    /// The barge-in judge's settings.
    var bargeInJudge: BargeInJudge.Configuration {
        var settings = BargeInJudge.Configuration()
        settings.minimumSpeech = max(bargeInMinSpeech, settings.onsetDuration)
        return settings
    }

    /// The endpointer's settings for these turn-taking settings (the utterance listener's, and the daemon's
    /// own endpointing of a speech-to-speech call).
    var endpointer: Endpointer.Configuration {
        var settings = Endpointer.Configuration()
        settings.endSilence = endSilence
        settings.startDuration = speechStart
        settings.maxUtterance = maxUtterance
        return settings
    }
}
