import Application
import Domain
import Foundation
import Testing

@Suite("VAD and endpointing")
struct AudioLogicTests {
    func tone(amplitude: Double, frequency: Double = 300, count: Int = 320) -> AudioFrame {
        AudioFrame(samples: (0..<count).map { Int16(amplitude * sin(2 * .pi * frequency * Double($0) / 16_000)) }, sampleRate: 16_000)
    }

    @Test func vadSeparatesSpeechFromSilenceAndHiss() {
        var vad = VoiceActivityDetector()
        for _ in 0..<20 { let r = vad.isSpeech(.silence()); #expect(!r) }
        do { let r = vad.isSpeech(tone(amplitude: 6000)); #expect(r) }
        // Alternating full-scale samples: loud, but a zero-crossing rate no voice has.
        let hiss = AudioFrame(samples: (0..<320).map { $0 % 2 == 0 ? 3000 : -3000 }, sampleRate: 16_000)
        do { let r = vad.isSpeech(hiss); #expect(!r) }
        do { let r = vad.isSpeech(tone(amplitude: 50)); #expect(!r) }
    }

    @Test func levelAndZeroCrossingsAreExact() {
        #expect(abs(VoiceActivityDetector.levelDB([Int16](repeating: 16_384, count: 320)) - 20 * log10(0.5)) < 1e-9)
        #expect(abs(VoiceActivityDetector.levelDB([Int16](repeating: -32_768, count: 320))) < 1e-9, "full scale, no overflow")
        #expect(VoiceActivityDetector.levelDB([Int16](repeating: 0, count: 320)) == -100)
        #expect(VoiceActivityDetector.zeroCrossingRate([1, -1, 1, -1, 1]) == 1)
        #expect(VoiceActivityDetector.zeroCrossingRate([5, 0, -3, -3, 2]) == 0.5, "zero counts as positive")
        #expect(VoiceActivityDetector.zeroCrossingRate([Int16.min, Int16.max, 0, Int16.min]) == 2.0 / 3)
    }

    @Test func vadAdaptsToSteadyNoise() {
        var vad = VoiceActivityDetector()
        let noise = tone(amplitude: 400, frequency: 120)
        for _ in 0..<300 { _ = vad.isSpeech(noise) }
        do { let r = vad.isSpeech(noise); #expect(!r) }
        do { let r = vad.isSpeech(tone(amplitude: 8000)); #expect(r) }
    }

    @Test func endpointerStartsAfterVoicedRunAndEndsAfterSilence() {
        var e = Endpointer()  // 80 ms start, 600 ms end
        do { let r = e.frame(voiced: true); #expect(r == nil) }
        do { let r = e.frame(voiced: true); #expect(r == nil) }
        do { let r = e.frame(voiced: true); #expect(r == nil) }
        do { let r = e.frame(voiced: true); #expect(r == .speechStarted) }
        for _ in 0..<29 { let r = e.frame(voiced: false); #expect(r == nil) }
        do { let r = e.frame(voiced: false); #expect(r == .speechEnded(trailingSilence: .milliseconds(600), forced: false)) }
        #expect(!e.isInSpeech)
    }

    @Test func endpointerToleratesOneGapInTheStartRun() {
        var e = Endpointer()
        _ = e.frame(voiced: true)
        _ = e.frame(voiced: true)
        _ = e.frame(voiced: false)
        _ = e.frame(voiced: true)
        do { let r = e.frame(voiced: true); #expect(r == .speechStarted) }
    }

    @Test func missingPacketsCountAsSilence() {
        var e = Endpointer()
        for _ in 0..<4 { _ = e.frame(voiced: true) }
        #expect(e.isInSpeech)
        do { let r = e.gap(.milliseconds(300)); #expect(r == nil) }
        do { let r = e.gap(.milliseconds(300)); #expect(r == .speechEnded(trailingSilence: .milliseconds(600), forced: false)) }
    }

    @Test func longUtterancesAreCut() {
        var config = Endpointer.Configuration()
        config.maxUtterance = .seconds(1)
        var e = Endpointer(configuration: config)
        var ended: Endpointer.Event?
        for _ in 0..<60 where ended == nil {
            if let event = e.frame(voiced: true), event != .speechStarted { ended = event }
        }
        #expect(ended == .speechEnded(trailingSilence: .zero, forced: true))
    }

    @Test func cardNumbersAreRedacted() {
        #expect(Redactor.redact("my card is 4111 1111 1111 1111 thanks") == "my card is **** **** **** 1111 thanks")
        #expect(Redactor.redact("4111-1111-1111-1111") == "**** **** **** 1111")
        // Fails Luhn: left alone.
        #expect(Redactor.redact("order 4111 1111 1111 1112") == "order 4111 1111 1111 1112")
        #expect(Redactor.redact("call 555 1234") == "call 555 1234")
        #expect(Redactor.redact("balance please") == "balance please")
        // Read out, as a recogniser writes it.
        let ones = Array(repeating: "one", count: 15).joined(separator: " ")
        #expect(Redactor.redact("my card is four \(ones)") == "my card is **** **** **** 1111")
        #expect(Redactor.redact("Four, one, one, one - one one one one, one one one one. One one one one thanks") == "**** **** **** 1111 thanks")
        #expect(Redactor.redact("4111 one one one one one one one one one one one one ok") == "**** **** **** 1111 ok")
        #expect(Redactor.redact("five five five oh one two three four") == "five five five oh one two three four", "a phone number")
        #expect(Redactor.redact("four \(ones.dropLast(4)) two") == "four \(ones.dropLast(4)) two", "fails Luhn")
        #expect(Redactor.redact("one moment, one more thing") == "one moment, one more thing")
    }
}
