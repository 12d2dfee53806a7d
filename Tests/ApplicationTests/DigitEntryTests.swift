import Application
import Domain
import Testing

/// Digit entries on the virtual clock: the collector alone, then inside the turn-taking machine.
@Suite("Digit entries")
struct DigitEntryTests {
    static let pin = DigitRequest(maxDigits: 4, terminator: "#")

    func collector(_ request: DigitRequest = pin) -> DigitCollector {
        DigitCollector(request, firstDigitTimeout: .seconds(5), interDigitTimeout: .seconds(3), now: .zero)
    }

    @Test func anEntryEndsAtItsLengthItsTerminatorOrWhenTheKeysStop() {
        var full = collector()
        for (i, key) in ["1", "2", "3"].enumerated() { #expect(full.key(key, now: .seconds(i)) == nil) }
        #expect(full.key("4", now: .seconds(3)) == .init(digits: "1234", completion: .maxDigits))

        var ended = collector()
        _ = ended.key("9", now: .seconds(1))
        #expect(ended.key("#", now: .seconds(2)) == .init(digits: "9", completion: .terminator), "the terminator is not a digit")

        var paused = collector()
        _ = paused.key("7", now: .seconds(1))
        #expect(paused.expired(now: .milliseconds(3999)) == nil)
        #expect(paused.expired(now: .seconds(4)) == .init(digits: "7", completion: .interDigitTimeout))

        let idle = collector()
        #expect(idle.expired(now: .milliseconds(4999)) == nil)
        #expect(idle.expired(now: .seconds(5)) == .init(digits: "", completion: .firstDigitTimeout))

        let own = collector(DigitRequest(maxDigits: 4, firstDigitTimeout: .seconds(1)))
        #expect(own.expired(now: .seconds(1))?.completion == .firstDigitTimeout, "the request's own timeout wins")
    }

    @Test func keysTypedAheadFillTheEntryAndTheRestIsKept() {
        var entry = collector(DigitRequest(maxDigits: 2))
        var rest = ""
        #expect(entry.keyAll("1234", now: .zero, rest: &rest) == .init(digits: "12", completion: .maxDigits))
        #expect(rest == "34")
    }

    // MARK: In the machine

    func machine() -> TurnTakingMachine {
        var config = ConversationConfiguration()
        config.firstDigitTimeout = .seconds(5)
        config.interDigitTimeout = .seconds(3)
        config.maxNoInputStrikes = 2
        var m = TurnTakingMachine(configuration: config)
        _ = m.handle(.start(now: .zero))
        _ = m.handle(.responseFinished(.finished, now: .seconds(1)))
        _ = m.handle(.utterance("my pin", now: .seconds(2)))  // the agent answers with a prompt and collectDigits
        m.responseStartedSpeaking()
        return m
    }

    @Test func thePromptPlaysThenTheEntryIsCollectedAndHandedInAsOneTurn() {
        var m = machine()
        #expect(m.handle(.digitsRequested(Self.pin, now: .seconds(3))).isEmpty)
        #expect(m.digitsAreMasked, "keys of a requested entry are secret from the start")
        #expect(m.handle(.responseFinished(.finished, now: .seconds(5))).isEmpty)
        #expect(m.collector != nil)
        #expect(m.handle(.tick(now: .seconds(9))).isEmpty, "no first-digit timeout yet; no re-prompt either")
        for (i, key) in ["4", "7", "1"].enumerated() { #expect(m.handle(.digits(key, now: .seconds(9 + i))).isEmpty) }
        #expect(m.handle(.digits("1", now: .seconds(12))) == [.respond(.entry("4711"))])
        #expect(m.phase == .thinking)
        #expect(!m.digitsAreMasked)
    }

    @Test func theFirstKeyCutsTheAskingPrompt() {
        var m = machine()
        _ = m.handle(.digitsRequested(Self.pin, now: .seconds(3)))
        #expect(m.handle(.digits("4", now: .seconds(4))) == [.interrupt])
        #expect(m.phase == .listening)
        #expect(m.collector?.digits == "4")
        #expect(m.handle(.tick(now: .milliseconds(6900))).isEmpty)
        #expect(m.handle(.tick(now: .seconds(7))) == [.respond(.entry("4"))], "the keys stopped: the inter-digit timeout ends it")
    }

    @Test func keysWhileTheAgentThinksAreKeptForTheEntryItAsksFor() {
        var m = machine()
        var thinking = TurnTakingMachine(configuration: m.configuration)
        _ = thinking.handle(.start(now: .zero))
        _ = thinking.handle(.responseFinished(.finished, now: .seconds(1)))
        _ = thinking.handle(.utterance("my pin", now: .seconds(2)))
        #expect(thinking.phase == .thinking)
        #expect(thinking.handle(.digits("1", now: .milliseconds(2100))).isEmpty)
        #expect(thinking.handle(.digits("2", now: .milliseconds(2200))).isEmpty)
        #expect(thinking.digitsAreMasked, "typed ahead: may be the PIN")
        #expect(thinking.handle(.digitsRequested(Self.pin, now: .seconds(3))).isEmpty)
        #expect(thinking.handle(.responseFinished(.finished, now: .seconds(4))).isEmpty)
        #expect(thinking.collector?.digits == "12")
        #expect(thinking.handle(.digits("#", now: .seconds(5))) == [.respond(.entry("12"))])

        // Typed ahead of an answer that asks for nothing: one turn once it has played.
        _ = m.handle(.responseFinished(.finished, now: .seconds(3)))
        _ = m.handle(.utterance("balance", now: .seconds(4)))
        #expect(m.handle(.digits("5", now: .milliseconds(4100))).isEmpty)
        #expect(m.handle(.digits("6", now: .milliseconds(4200))).isEmpty)
        #expect(m.handle(.responseFinished(.finished, now: .seconds(5))) == [.respond(.entry("56"))])
    }

    @Test func anEmptyEntryIsANoInputTurnUntilTheGoodbye() {
        var m = machine()
        _ = m.handle(.digitsRequested(Self.pin, now: .seconds(3)))
        _ = m.handle(.responseFinished(.finished, now: .seconds(4)))
        #expect(m.handle(.tick(now: .seconds(9))) == [.respond(.agent(.noInput))], "the agent asks again")
        _ = m.handle(.digitsRequested(Self.pin, now: .seconds(10)))
        _ = m.handle(.responseFinished(.finished, now: .seconds(11)))
        #expect(m.handle(.tick(now: .seconds(16))) == [.respond(.line("Goodbye.", thenHangUp: true))])
    }

    @Test func wordsEndTheEntrySilenceDoesNot() {
        var m = machine()
        _ = m.handle(.digitsRequested(Self.pin, now: .seconds(3)))
        _ = m.handle(.responseFinished(.finished, now: .seconds(4)))
        _ = m.handle(.digits("1", now: .seconds(5)))
        #expect(m.handle(.utterance("", now: .seconds(6))).isEmpty, "noise: the entry goes on")
        #expect(m.handle(.transcriptionFailed(now: .seconds(6))).isEmpty)
        #expect(m.collector?.digits == "1")
        #expect(m.handle(.utterance("I don't know it", now: .seconds(7))) == [.respond(.agent(.utterance("I don't know it")))])
        #expect(m.collector == nil)
    }

    @Test func aCallerTalkingOverTheAskingPromptCancelsTheRequest() {
        var m = machine()
        _ = m.handle(.digitsRequested(Self.pin, now: .seconds(3)))
        #expect(m.handle(.bargeIn(.onset, interruptible: true, now: .seconds(4))) == [.pause])
        _ = m.handle(.bargeIn(.confirmed, interruptible: true, now: .milliseconds(4300)))
        #expect(m.handle(.utterance("I don't have it", now: .seconds(5))) == [.interrupt, .respond(.agent(.utterance("I don't have it")))])
        _ = m.handle(.responseFinished(.finished, now: .seconds(6)))
        #expect(!m.digitsAreMasked)
        #expect(m.handle(.digits("3", now: .seconds(7))) == [.respond(.agent(.digits("3")))], "a menu key again")
    }
}
