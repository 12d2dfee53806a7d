import Domain
import Testing

@testable import Application

@Suite("A whole-call stream's utterances (value)")
struct StreamedUtteranceTests {
    func tracker(vendor: Bool = true, early: Duration = .zero) -> StreamedUtterance {
        StreamedUtterance(settings: .init(vendorEndpointing: vendor, earlyStart: early, finalWait: .milliseconds(1500)))
    }
    func segment(_ text: String, end: Bool = false, confidence: Double? = nil) -> CallTranscriptionEvent {
        .segment(Transcript(text: text, isFinal: true, confidence: confidence), endOfSpeech: end)
    }
    func ms(_ value: Int64) -> Duration { .milliseconds(value) }

    @Test func theVendorsEndOfSpeechEndsTheUtteranceWithAllItsSegments() {
        var u = tracker()
        #expect(u.speechStarted(now: ms(0)).isEmpty)
        _ = u.voiced(now: ms(900))
        #expect(u.vendor(.partial("what is")).isEmpty)
        #expect(u.vendor(segment("what is my", confidence: 0.9)).isEmpty)
        #expect(u.vendor(segment("balance", end: true, confidence: 0.8)) == [
            .utterance(Transcript(text: "what is my balance", isFinal: true, confidence: 0.8), speechEndedAt: ms(900), settled: true, byVendor: true),
        ])
        // The daemon's own endpointer firing later adds nothing.
        #expect(u.speechEnded(speechEndedAt: ms(900), now: ms(1500)).isEmpty)
    }

    @Test func withDaemonEndpointingTheVendorsDecisionIsIgnored() {
        var u = tracker(vendor: false)
        _ = u.speechStarted(now: ms(0))
        #expect(u.vendor(segment("hello", end: true)).isEmpty)
        #expect(u.speechEnded(speechEndedAt: ms(700), now: ms(1300)) == [
            .utterance(Transcript(text: "hello", isFinal: true), speechEndedAt: ms(700), settled: true, byVendor: false),
        ])
    }

    @Test func pendingWordsAreFlushedAndTheNextSegmentCompletesTheUtterance() {
        var u = tracker(vendor: false)
        _ = u.speechStarted(now: ms(0))
        _ = u.vendor(.partial("i want to pay"))
        #expect(u.speechEnded(speechEndedAt: ms(700), now: ms(1300)) == [.finalize])
        #expect(u.isOpen)
        #expect(u.vendor(segment("i want to pay my bill")) == [
            .utterance(Transcript(text: "i want to pay my bill", isFinal: true), speechEndedAt: ms(700), settled: true, byVendor: false),
        ])
        #expect(!u.isOpen)
    }

    @Test func aFlushTheVendorNeverAnswersTakesThePartialTextAfterTheWait() {
        var u = tracker()
        _ = u.speechStarted(now: ms(0))
        _ = u.vendor(segment("my account"))
        _ = u.vendor(.partial("number is"))
        #expect(u.speechEnded(speechEndedAt: ms(700), now: ms(1300)) == [.finalize])
        #expect(u.tick(now: ms(2700)).isEmpty)
        #expect(u.tick(now: ms(2800)) == [
            .utterance(Transcript(text: "my account number is", isFinal: true), speechEndedAt: ms(700), settled: false, byVendor: false),
        ])
    }

    @Test func nothingHeardIsAnEmptyUtteranceAfterTheWait() {
        var u = tracker()
        _ = u.speechStarted(now: ms(0))
        #expect(u.speechEnded(speechEndedAt: ms(700), now: ms(1300)) == [.finalize])
        #expect(u.tick(now: ms(2800)) == [.utterance(Transcript(text: "", isFinal: true), speechEndedAt: ms(700), settled: false, byVendor: false)])
    }

    @Test func textHeardBeforeTheCallerStartedBelongsToNoUtterance() {
        var u = tracker()
        // The echo of the daemon's own prompt, transcribed while the caller was silent.
        _ = u.vendor(segment("how can i help you", end: true))
        _ = u.vendor(.partial("today"))
        _ = u.speechStarted(now: ms(5000))
        _ = u.voiced(now: ms(5600))
        #expect(u.vendor(segment("billing", end: true)) == [
            .utterance(Transcript(text: "billing", isFinal: true), speechEndedAt: ms(5600), settled: true, byVendor: true),
        ])
    }

    @Test func aPauseOffersTheTextSoFarOnceAndSpeechWithdrawsIt() {
        var u = tracker(early: ms(250))
        _ = u.speechStarted(now: ms(0))
        #expect(u.silence(ms(300)).isEmpty)  // nothing heard yet
        _ = u.vendor(.partial("what is my balance"))
        #expect(u.silence(ms(200)).isEmpty)
        #expect(u.silence(ms(260)) == [.provisional("what is my balance")])
        #expect(u.silence(ms(400)).isEmpty)  // offered once
        #expect(u.voiced(now: ms(2000)) == [.withdraw])
        #expect(u.voiced(now: ms(2020)).isEmpty)
        _ = u.vendor(.partial("what is my balance on savings"))
        #expect(u.silence(ms(300)) == [.provisional("what is my balance on savings")])
    }

    @Test func earlyStartIsOffWhenZero() {
        var u = tracker()
        _ = u.speechStarted(now: ms(0))
        _ = u.vendor(.partial("hello"))
        #expect(u.silence(ms(5000)).isEmpty)
    }

    @Test func newSpeechCompletesAnUtteranceStillWaitingForItsFlush() {
        var u = tracker()
        _ = u.speechStarted(now: ms(0))
        _ = u.vendor(.partial("yes"))
        _ = u.speechEnded(speechEndedAt: ms(500), now: ms(1100))
        #expect(u.speechStarted(now: ms(1200)) == [
            .utterance(Transcript(text: "yes", isFinal: true), speechEndedAt: ms(500), settled: false, byVendor: false),
        ])
    }
}

@Suite("Turn taking with early answers (value)")
struct EarlyAnswerMachineTests {
    func listening() -> TurnTakingMachine {
        var m = TurnTakingMachine(configuration: ConversationConfiguration())
        _ = m.handle(.start(now: .zero))
        _ = m.handle(.responseFinished(.finished, now: .zero))
        return m
    }

    @Test func aFinalTextThatAgreesReleasesThePreparedAnswer() {
        var m = listening()
        #expect(m.handle(.provisional("What is my balance", now: .seconds(1))) == [.prepare(.agent(.utterance("What is my balance", confidence: nil)))])
        #expect(m.phase == .listening)
        #expect(m.handle(.utterance("what is my balance?", confidence: 0.9, now: .seconds(2)))
            == [.releasePrepared(.agent(.utterance("what is my balance?", confidence: 0.9)))])
        #expect(m.phase == .thinking)
    }

    @Test func aFinalTextThatDiffersDiscardsThePreparedAnswer() {
        var m = listening()
        _ = m.handle(.provisional("what is my balance", now: .seconds(1)))
        #expect(m.handle(.utterance("what is my balance on savings", now: .seconds(2)))
            == [.discardPrepared, .respond(.agent(.utterance("what is my balance on savings", confidence: nil)))])
    }

    @Test func theCallerGoingOnDiscardsIt() {
        var m = listening()
        _ = m.handle(.provisional("i want", now: .seconds(1)))
        #expect(m.handle(.provisionalWithdrawn(now: .seconds(1))) == [.discardPrepared])
        #expect(m.handle(.provisionalWithdrawn(now: .seconds(1))).isEmpty)
        #expect(m.handle(.utterance("i want to pay", now: .seconds(2))) == [.respond(.agent(.utterance("i want to pay", confidence: nil)))])
    }

    @Test func digitsOrAFailedTranscriptDiscardIt() {
        var m = listening()
        _ = m.handle(.provisional("one two", now: .seconds(1)))
        #expect(m.handle(.digits("5", now: .seconds(1))).first == .discardPrepared)
        var n = listening()
        _ = n.handle(.provisional("one two", now: .seconds(1)))
        #expect(n.handle(.transcriptionFailed(now: .seconds(2))).first == .discardPrepared)
    }

    @Test func nothingIsPreparedWhileTheDaemonTalks() {
        var m = TurnTakingMachine(configuration: ConversationConfiguration())
        _ = m.handle(.start(now: .zero))
        #expect(m.handle(.provisional("hello", now: .seconds(1))).isEmpty)
    }
}
