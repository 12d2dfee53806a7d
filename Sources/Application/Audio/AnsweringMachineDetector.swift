/// Tells a person from an answering machine by the shape of what the callee says first, as Asterisk's
/// `AMD()` does: a person answers with a short greeting ("Hello?") and waits; a machine talks on (a long
/// greeting, many words) without a pause long enough for an answer.
///
/// A value fed one voice decision per frame (`VoiceActivityDetector`); no clock of its own.
public struct AnsweringMachineDetector: Sendable {
    /// The rules (app_amd's defaults, except that a long initial silence is not taken for a machine).
    public struct Settings: Sendable, Hashable {
        /// Silence before any speech beyond this: not sure (a person waiting, or a silent machine).
        public var initialSilence: Duration = .milliseconds(2500)
        /// Speech (words and the short pauses between them) longer than this from its start: a machine.
        public var greeting: Duration = .milliseconds(1500)
        /// Silence after the greeting this long: a person, waiting for an answer.
        public var afterGreetingSilence: Duration = .milliseconds(800)
        /// A voiced run this long counts as a word.
        public var minWordLength: Duration = .milliseconds(100)
        /// This many words or more: a machine.
        public var maximumWords = 4
        /// No decision after this long: not sure.
        public var totalAnalysis: Duration = .milliseconds(5000)

        public init() {}
    }

    /// What the detector decided, and why (the `AMDCAUSE` of app_amd).
    public enum Verdict: Sendable, Hashable {
        case human(String)
        case machine(String)
        case notSure(String)
    }

    public let settings: Settings
    private let frame: Duration
    private var elapsed: Duration = .zero
    private var greetingStart: Duration?
    private var voicedRun: Duration = .zero
    private var silentRun: Duration = .zero
    private var words = 0
    public private(set) var verdict: Verdict?

    /// `frame`: the duration of each decision fed (20 ms frames).
    public init(settings: Settings = Settings(), frame: Duration = .milliseconds(20)) {
        self.settings = settings
        self.frame = frame
    }

    /// Takes the next frame's voice decision; returns the verdict once there is one (and keeps it).
    @discardableResult
    public mutating func feed(voiced: Bool) -> Verdict? {
        if let verdict { return verdict }
        elapsed += frame
        if voiced {
            if greetingStart == nil { greetingStart = elapsed - frame }
            voicedRun += frame
            silentRun = .zero
            if voicedRun == settings.minWordLength {
                words += 1
                if words >= settings.maximumWords { return decide(.machine("MAXWORDS-\(words)")) }
            }
            // The greeting's length runs from its first voiced frame to its last one so far.
            if let start = greetingStart, words > 0, elapsed - start >= settings.greeting { return decide(.machine("LONGGREETING")) }
        } else {
            voicedRun = .zero
            silentRun += frame
            if greetingStart == nil, silentRun >= settings.initialSilence { return decide(.notSure("INITIALSILENCE")) }
            if greetingStart != nil, words > 0, silentRun >= settings.afterGreetingSilence { return decide(.human("HUMAN-\(words)")) }
        }
        if elapsed >= settings.totalAnalysis { return decide(.notSure("TOOLONG")) }
        return nil
    }

    private mutating func decide(_ verdict: Verdict) -> Verdict {
        self.verdict = verdict
        return verdict
    }
}
