import Application
import Domain
import Testing

@Suite("Turn-taking state machine")
struct TurnTakingMachineTests {
    func machine(bargeIn: Bool = true) -> TurnTakingMachine {
        var config = ConversationConfiguration()
        config.bargeIn = bargeIn
        config.noInputTimeout = .seconds(5)
        config.maxNoInputStrikes = 3
        return TurnTakingMachine(configuration: config)
    }

    @Test func greetingThenListeningThenAgent() {
        var m = machine()
        #expect(m.handle(.start(now: .zero)) == [.respond(.opening)])
        #expect(m.phase == .greeting)
        #expect(m.handle(.responseFinished(.finished, now: .seconds(2))).isEmpty)
        #expect(m.phase == .listening)
        #expect(m.handle(.speechStarted(now: .seconds(3))).isEmpty)
        #expect(m.handle(.utterance("check my balance", now: .seconds(4))) == [.respond(.agent(.utterance("check my balance")))])
        #expect(m.phase == .thinking)
        m.responseStartedSpeaking()
        #expect(m.phase == .speaking)
    }

    @Test func theCallersVoiceHoldsThePromptAndTheirWordsCutIt() {
        var m = machine()
        _ = m.handle(.start(now: .zero))
        #expect(m.handle(.speechStarted(now: .milliseconds(440))).isEmpty, "the voice detector alone cuts nothing")
        #expect(m.handle(.bargeIn(.onset, interruptible: true, now: .milliseconds(500))) == [.pause])
        #expect(m.phase == .paused)
        #expect(m.handle(.bargeIn(.confirmed, interruptible: true, now: .milliseconds(740))).isEmpty)
        #expect(m.phase == .heard)
        #expect(m.handle(.utterance("bye", now: .seconds(1))) == [.interrupt, .respond(.agent(.utterance("bye")))])
        #expect(m.phase == .thinking)
    }

    @Test func aVoiceTooShortToBeSpeechResumesThePrompt() {
        var m = machine()
        _ = m.handle(.start(now: .zero))
        #expect(m.handle(.bargeIn(.onset, interruptible: true, now: .milliseconds(500))) == [.pause])
        #expect(m.handle(.bargeIn(.abandoned, interruptible: true, now: .milliseconds(800))) == [.resume])
        #expect(m.phase == .greeting)
        #expect(m.handle(.responseFinished(.finished, now: .seconds(3))).isEmpty)
        #expect(m.phase == .listening)
    }

    @Test func noTranscriptOrAFailedOneResumesAHeardPrompt() {
        var m = machine()
        _ = m.handle(.start(now: .zero))
        _ = m.handle(.responseFinished(.finished, now: .seconds(1)))
        _ = m.handle(.utterance("balance", now: .seconds(2)))
        m.responseStartedSpeaking()
        _ = m.handle(.bargeIn(.onset, interruptible: true, now: .seconds(3)))
        _ = m.handle(.bargeIn(.confirmed, interruptible: true, now: .milliseconds(3300)))
        #expect(m.handle(.utterance("", now: .seconds(4))) == [.resume], "a cough: the prompt goes on, no reprompt")
        #expect(m.phase == .speaking)
        #expect(m.noInputStrikes == 0)
        _ = m.handle(.bargeIn(.onset, interruptible: true, now: .seconds(5)))
        _ = m.handle(.bargeIn(.confirmed, interruptible: true, now: .milliseconds(5300)))
        #expect(m.handle(.transcriptionFailed(now: .seconds(6))) == [.resume])
        #expect(m.phase == .speaking)
    }

    @Test func aNonInterruptiblePromptIsNeverHeld() {
        var m = machine()
        _ = m.handle(.start(now: .zero))
        #expect(m.handle(.bargeIn(.onset, interruptible: false, now: .milliseconds(500))).isEmpty)
        #expect(m.handle(.bargeIn(.confirmed, interruptible: false, now: .milliseconds(800))).isEmpty)
        #expect(m.handle(.utterance("bye", now: .seconds(1))).isEmpty)
        #expect(m.phase == .greeting)
    }

    @Test func aPromptHeldWithoutVerdictPlaysOnAfterTheLimit() {
        var m = machine()
        _ = m.handle(.start(now: .zero))
        _ = m.handle(.bargeIn(.onset, interruptible: true, now: .seconds(1)))
        _ = m.handle(.bargeIn(.confirmed, interruptible: true, now: .seconds(2)))
        #expect(m.handle(.tick(now: .seconds(1) + m.heldLimit - .milliseconds(20))).isEmpty)
        #expect(m.handle(.tick(now: .seconds(1) + m.heldLimit)) == [.resume])
        #expect(m.phase == .greeting)
    }

    @Test func aPromptThatEndsWhileHeldLeavesTheCallersWordsAsATurn() {
        var m = machine()
        _ = m.handle(.start(now: .zero))
        _ = m.handle(.bargeIn(.onset, interruptible: true, now: .milliseconds(1900)))
        #expect(m.handle(.responseFinished(.finished, now: .seconds(2))).isEmpty)
        #expect(m.phase == .listening)
        #expect(m.handle(.utterance("balance", now: .seconds(3))) == [.respond(.agent(.utterance("balance")))])
    }

    @Test func aKeyOnAHeldPromptResumesItThenCutsIt() {
        var m = machine()
        _ = m.handle(.start(now: .zero))
        _ = m.handle(.bargeIn(.onset, interruptible: true, now: .milliseconds(500)))
        #expect(m.handle(.digits("1", now: .milliseconds(600))) == [.resume, .interrupt, .respond(.agent(.digits("1")))])
    }

    @Test func withoutBargeInSpeechDuringPromptIsIgnored() {
        var m = machine(bargeIn: false)
        _ = m.handle(.start(now: .zero))
        #expect(m.handle(.speechStarted(now: .milliseconds(500))).isEmpty)
        #expect(m.handle(.bargeIn(.onset, interruptible: true, now: .milliseconds(500))).isEmpty)
        #expect(m.handle(.bargeIn(.confirmed, interruptible: true, now: .milliseconds(800))).isEmpty)
        #expect(m.handle(.utterance("bye", now: .seconds(1))).isEmpty)
        #expect(m.phase == .greeting)
    }

    @Test func noInputRepromptsThenSaysGoodbye() {
        var m = machine()
        _ = m.handle(.start(now: .zero))
        _ = m.handle(.responseFinished(.finished, now: .seconds(1)))
        #expect(m.handle(.tick(now: .seconds(5))).isEmpty)
        #expect(m.handle(.tick(now: .seconds(6))) == [.respond(.line("Sorry, I didn't catch that.", thenHangUp: false))])
        _ = m.handle(.responseFinished(.finished, now: .seconds(7)))
        #expect(m.handle(.tick(now: .seconds(12))) == [.respond(.line("Sorry, I didn't catch that.", thenHangUp: false))])
        _ = m.handle(.responseFinished(.finished, now: .seconds(13)))
        #expect(m.handle(.tick(now: .seconds(18))) == [.respond(.line("Goodbye.", thenHangUp: true))])
        #expect(m.noInputStrikes == 3)
        #expect(m.handle(.responseFinished(.hangUp, now: .seconds(19))) == [.hangUp])
        #expect(m.phase == .finished)
        #expect(m.handle(.speechStarted(now: .seconds(20))).isEmpty)
    }

    @Test func aCallerWhoStartedDuringThePromptIsNotRepromptedWhileTranscribed() {
        var m = machine()
        _ = m.handle(.start(now: .zero))
        _ = m.handle(.speechStarted(now: .milliseconds(1900)))
        #expect(m.handle(.responseFinished(.finished, now: .seconds(2))).isEmpty)
        #expect(m.handle(.tick(now: .seconds(20))).isEmpty, "slow transcription is not silence")
        #expect(m.handle(.utterance("balance", now: .seconds(21))) == [.respond(.agent(.utterance("balance")))])
        var dropped = machine()
        _ = dropped.handle(.start(now: .zero))
        _ = dropped.handle(.speechStarted(now: .milliseconds(1900)))
        dropped.callerStopped()
        _ = dropped.handle(.responseFinished(.finished, now: .seconds(2)))
        #expect(dropped.handle(.tick(now: .seconds(7))) == [.respond(.line("Sorry, I didn't catch that.", thenHangUp: false))])
    }

    @Test func speechResetsTheNoInputTimer() {
        var m = machine()
        _ = m.handle(.start(now: .zero))
        _ = m.handle(.responseFinished(.finished, now: .seconds(1)))
        _ = m.handle(.speechStarted(now: .seconds(4)))
        #expect(m.handle(.tick(now: .seconds(30))).isEmpty)
    }

    @Test func emptyTranscriptAndSTTFailureReprompt() {
        var m = machine()
        _ = m.handle(.start(now: .zero))
        _ = m.handle(.responseFinished(.finished, now: .seconds(1)))
        #expect(m.handle(.utterance("", now: .seconds(2))) == [.respond(.line("Sorry, I didn't catch that.", thenHangUp: false))])
        _ = m.handle(.responseFinished(.finished, now: .seconds(3)))
        #expect(m.handle(.transcriptionFailed(now: .seconds(4))) == [.respond(.line("Sorry, I didn't catch that.", thenHangUp: false))])
    }

    @Test func digitsGoToTheAgentAndCanBargeIn() {
        var m = machine()
        _ = m.handle(.start(now: .zero))
        #expect(m.handle(.digits("1", now: .milliseconds(300))) == [.interrupt, .respond(.agent(.digits("1")))])
        var quiet = machine(bargeIn: false)
        _ = quiet.handle(.start(now: .zero))
        #expect(quiet.handle(.digits("1", now: .milliseconds(300))).isEmpty, "no barge-in: the key waits")
        #expect(quiet.handle(.responseFinished(.finished, now: .seconds(2))) == [.respond(.entry("1"))], "and is never dropped")
    }

    @Test func transferEndsTheConversation() {
        var m = machine()
        _ = m.handle(.start(now: .zero))
        _ = m.handle(.responseFinished(.finished, now: .seconds(1)))
        _ = m.handle(.utterance("agent", now: .seconds(2)))
        #expect(m.handle(.responseFinished(.transfer(.queue("support")), now: .seconds(3))) == [.transfer(.queue("support"))])
    }
}

/// An answered outbound call: the opening waits for the callee.
@Suite("Turn-taking: the callee speaks first")
struct CalleeFirstTests {
    var configuration: ConversationConfiguration {
        var c = ConversationConfiguration()
        c.calleeSpeaksFirst = .seconds(2)
        return c
    }

    @Test func theCalleesHelloBringsTheOpeningNotAnAgentTurn() {
        var machine = TurnTakingMachine(configuration: configuration)
        #expect(machine.handle(.awaitCallee(now: .zero)).isEmpty)
        #expect(machine.handle(.speechStarted(now: .milliseconds(500))).isEmpty)
        #expect(machine.handle(.provisional("hello", now: .milliseconds(700))).isEmpty)
        #expect(machine.handle(.utterance("Hello?", now: .seconds(1))) == [.respond(.opening)])
        #expect(machine.phase == .greeting && !machine.openingOwed)
    }

    @Test func silenceBringsTheOpeningAfterTheWaitAndOnlyOnce() {
        var machine = TurnTakingMachine(configuration: configuration)
        _ = machine.handle(.awaitCallee(now: .zero))
        #expect(machine.handle(.tick(now: .milliseconds(1900))).isEmpty)
        #expect(machine.handle(.tick(now: .seconds(2))) == [.respond(.opening)])
        #expect(machine.handle(.tick(now: .seconds(3))).isEmpty)
    }

    @Test func anUnheardHelloAlsoBringsTheOpening() {
        var machine = TurnTakingMachine(configuration: configuration)
        _ = machine.handle(.awaitCallee(now: .zero))
        #expect(machine.handle(.transcriptionFailed(now: .seconds(1))) == [.respond(.opening)])
    }
}
