import Domain
import Testing

@testable import Application

/// The barge-in judge and the echo guard, frame by frame.
@Suite("Barge-in: judge and echo guard")
struct BargeInLogicTests {
    @Test func voiceHoldsAfterFortyMillisecondsAndCutsAfterTwoHundred() {
        var judge = BargeInJudge()
        #expect(judge.frame(voiced: true) == nil)
        #expect(judge.frame(voiced: true) == .onset, "40 ms of voice")
        var events: [BargeInJudge.Event] = []
        for _ in 0..<7 { #expect(judge.frame(voiced: true) == nil) }
        if let e = judge.frame(voiced: true) { events.append(e) }
        #expect(events == [.confirmed], "200 ms of voice in all")
        #expect(judge.frame(voiced: true) == nil, "one interruption, not one per frame")
    }

    @Test func aShortVoiceIsAbandonedAfterTwoHundredMillisecondsOfSilence() {
        var judge = BargeInJudge()
        for _ in 0..<4 { _ = judge.frame(voiced: true) }
        var events: [BargeInJudge.Event] = []
        for _ in 0..<9 { if let e = judge.frame(voiced: false) { events.append(e) } }
        #expect(events.isEmpty)
        #expect(judge.frame(voiced: false) == .abandoned)
        #expect(judge.frame(voiced: true) == nil, "and it starts over")
    }

    @Test func shortGapsInsideAWordDoNotAbandonIt() {
        var judge = BargeInJudge()
        var events: [BargeInJudge.Event] = []
        for _ in 0..<4 {
            for _ in 0..<3 { if let e = judge.frame(voiced: true) { events.append(e) } }
            for _ in 0..<3 { if let e = judge.frame(voiced: false) { events.append(e) } }
        }
        #expect(events == [.onset, .confirmed])
    }

    @Test func missingPacketsCountAsSilence() {
        var judge = BargeInJudge()
        for _ in 0..<2 { _ = judge.frame(voiced: true) }
        #expect(judge.gap(.milliseconds(100)) == nil)
        #expect(judge.gap(.milliseconds(100)) == .abandoned)
        var confirmed = BargeInJudge()
        for _ in 0..<10 { _ = confirmed.frame(voiced: true) }
        #expect(confirmed.gap(.milliseconds(400)) == nil)
        #expect(confirmed.frame(voiced: true) == nil)
        #expect(confirmed.frame(voiced: true) == .onset, "settled: the next voice is a new onset")
    }

    /// The reference window for a prompt frame of `level` played `delay` frames ago.
    func window(_ level: Double, delay: Int) -> [Double] {
        var window = [Double](repeating: -100, count: 26)
        for d in max(0, delay - 2)...min(25, delay + 2) { window[d] = level }
        return window
    }

    @Test func beforeLearningTheWorstEchoIsAssumed() {
        var guardian = EchoGuard()
        func hears(level: Double, voiced: Bool, reference: [Double]) -> Bool {
            guardian.isCallerSpeech(level: level, voiced: voiced, reference: reference)
        }
        #expect(guardian.echoPath == nil)
        #expect(!hears(level: -23, voiced: true, reference: window(-20, delay: 5)), "3 dB under the prompt: echo")
        #expect(hears(level: -8, voiced: true, reference: window(-20, delay: 5)), "12 dB over it: a caller")
        #expect(!hears(level: -8, voiced: false, reference: window(-20, delay: 5)), "the voice detector still decides")
        #expect(hears(level: -30, voiced: true, reference: [Double](repeating: -100, count: 26)), "nothing played: nothing to echo")
    }

    @Test func itLearnsTheEchoPathAndThenHearsACallerQuieterThanThePrompt() {
        var guardian = EchoGuard()
        func hears(level: Double, voiced: Bool, reference: [Double]) -> Bool {
            guardian.isCallerSpeech(level: level, voiced: voiced, reference: reference)
        }
        // A prompt whose level changes every frame comes back 6 frames later, 20 dB weaker.
        var played = [Double](repeating: -100, count: 400)
        for t in 0..<400 { played[t] = -18 - Double((t * 7) % 13) }
        func reference(at t: Int) -> [Double] { (0...25).map { t - $0 >= 0 ? played[t - $0] : -100 } }
        for t in 6..<300 {
            #expect(!hears(level: played[t - 6] - 20, voiced: true, reference: reference(at: t)))
        }
        let path = guardian.echoPath
        #expect((5...7).contains(path?.delayFrames ?? -1), "the delay, give or take the jitter allowed")
        #expect((20...32).contains(path?.returnLossDB ?? 0), "the loss against the loudest frame near the delay")
        // A caller at the prompt's level minus 6 dB is now well over the 20 dB echo.
        #expect(hears(level: played[300] - 6, voiced: true, reference: reference(at: 306)))
        #expect(!hears(level: played[300] - 18, voiced: true, reference: reference(at: 306)), "within the margin")
    }

    @Test func aLongChunkTakenAtOnceIsPlacedAheadWhole() {
        let reference = EchoReference()
        // Three seconds of synthesis handed to the player in one piece, at 1 s.
        let chunk = AudioFrame(samples: (0..<48_000).map { $0 < 47_680 ? 8_000 : 0 }, sampleRate: 16_000)
        reference.record(chunk, now: .seconds(1))
        var levels = [Double](repeating: 0, count: 2)
        reference.levels(at: .milliseconds(3980), into: &levels)
        #expect(levels[0] < -90 && levels[1] > -20, "the last 20 ms are silent; the frame before is the chunk")
        reference.levels(at: .milliseconds(1020), into: &levels)
        #expect(levels[0] > -20 && levels[1] > -20, "the start is still there")
    }

    @Test func theReferencePlacesFramesOnePer20MillisecondsAndForgetsFlushedOnes() {
        let reference = EchoReference()
        for _ in 0..<3 { reference.record(level: -20, now: .milliseconds(1000)) }
        var levels = [Double](repeating: 0, count: 4)
        reference.levels(at: .milliseconds(1040), into: &levels)
        #expect(levels == [-20, -20, -20, -100], "three frames queued at 1 s play at 1.00, 1.02, 1.04")
        reference.levels(at: .milliseconds(1000), into: &levels)
        #expect(levels == [-20, -100, -100, -100])
        reference.truncate(at: .milliseconds(1000))
        reference.levels(at: .milliseconds(1040), into: &levels)
        #expect(levels == [-100, -100, -20, -100], "the flush dropped what was queued")
        var window = [Double](repeating: 0, count: 26)
        #expect(reference.levels(at: .milliseconds(1100), into: &window))
        #expect(!reference.levels(at: .milliseconds(2000), into: &window))
    }
}

@Suite("Barge-in: prompt control and tape")
struct PromptControlTests {
    @Test func aPausedPromptWaitsUntilResumedOrStopped() async {
        let control = PromptControl()
        #expect(await control.mayPlay())
        control.pause()
        async let resumed = control.mayPlay()
        control.resume()
        #expect(await resumed)
        control.pause()
        async let stopped = control.mayPlay()
        control.stop()
        #expect(!(await stopped))
        control.resume()
        #expect(control.mode == .stopped, "stopped is final")
    }

    @Test func aCancelledWaitReturns() async {
        let control = PromptControl()
        control.pause()
        let waiting = Task { await control.mayPlay() }
        waiting.cancel()
        #expect(!(await waiting.value))
    }

    @Test func theTapePlaysFromAnOffsetCuttingTheFirstFrame() async throws {
        let (source, feed) = AsyncThrowingStream<AudioFrame, any Error>.makeStream()
        let tape = PromptTape(source)
        for i in 0..<5 { feed.yield(AudioFrame(samples: [Int16](repeating: Int16(i), count: 160), sampleRate: 8000)) }
        feed.finish()
        var all: [Int16] = []
        for try await frame in tape.play(from: .zero, tap: { _ in }) { all += frame.samples }
        #expect(all.count == 800)
        var resumed: [Int16] = []
        for try await frame in tape.play(from: .milliseconds(50), tap: { _ in }) { resumed += frame.samples }
        #expect(resumed.count == 400, "50 ms in: 2.5 frames skipped")
        #expect(resumed.first == 2 && resumed.last == 4)
    }
}
