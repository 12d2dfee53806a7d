import Application
import Testing

/// The person-or-machine rules, on frame decisions (20 ms each).
@Suite("Answering-machine detection")
struct AnsweringMachineDetectorTests {
    /// Feeds runs of (voiced, milliseconds) until a verdict.
    static func verdict(_ runs: [(Bool, Int)]) -> AnsweringMachineDetector.Verdict? {
        var detector = AnsweringMachineDetector()
        for (voiced, ms) in runs {
            for _ in 0..<(ms / 20) { if let verdict = detector.feed(voiced: voiced) { return verdict } }
        }
        return nil
    }

    @Test func aShortHelloThenWaitingIsAPerson() {
        #expect(Self.verdict([(false, 400), (true, 500), (false, 1000)]) == .human("HUMAN-1"))
        // "Hello, hi" with a pause inside: still a person once the silence after it is long enough.
        #expect(Self.verdict([(true, 300), (false, 200), (true, 300), (false, 900)]) == .human("HUMAN-2"))
    }

    @Test func aLongGreetingOrManyWordsIsAMachine() {
        // "Hi, you've reached Sam, I can't take your call right now..." spoken on.
        #expect(Self.verdict([(false, 300), (true, 2500)]) == .machine("LONGGREETING"))
        // Short words with short pauses: four words inside 1.5 s.
        #expect(Self.verdict([(true, 200), (false, 100), (true, 200), (false, 100), (true, 200), (false, 100), (true, 200)]) == .machine("MAXWORDS-4"))
    }

    @Test func silenceOrNoiseLeavesItOpen() {
        #expect(Self.verdict([(false, 3000)]) == .notSure("INITIALSILENCE"))
        // Clicks shorter than a word never count as a greeting.
        #expect(Self.verdict(Array(repeating: [(true, 40), (false, 300)], count: 20).flatMap { $0 }) == .notSure("TOOLONG"))
    }
}
