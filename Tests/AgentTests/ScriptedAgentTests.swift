@testable import Agent
import Domain
import Foundation
import Testing

@Suite("Scripted agent")
struct ScriptedAgentTests {
    static let yaml = """
        greeting: "Hello, how can I help you?"
        intents:
          - name: balance
            match: ["balance"]
            dtmf: "1"
            reply: "Your balance is ten dollars."
          - name: agent
            match: ["speak to someone", "operator"]
            reply: "Transferring you."
            action: transfer
            target: "queue:support"
          - name: goodbye
            match: ["goodbye", "bye"]
            reply: "Goodbye."
            action: hangup
        fallback: "Sorry, I did not catch that."
        """

    func conversation() async throws -> any AgentConversation {
        let agent = ScriptedAgent(script: try AgentScript.parse(yaml: Self.yaml))
        return try await agent.startConversation(AgentContext(callID: "c", conversationID: "v", tenantID: "t"))
    }

    func actions(_ input: AgentInput) async throws -> [AgentAction] {
        var out: [AgentAction] = []
        for try await action in try await conversation().respond(to: input) { out.append(action) }
        return out
    }

    @Test func greetsAndExposesIntentWords() async throws {
        let c = try await conversation()
        #expect(try await c.opening() == [.say("Hello, how can I help you?")])
        #expect(c.expectedPhrases == ["balance", "speak to someone", "operator", "goodbye", "bye"])
    }

    @Test func matchesWholeWordsAndPhrases() async throws {
        #expect(try await actions(.utterance("I want to check my BALANCE please")) == [.say("Your balance is ten dollars.")])
        #expect(try await actions(.utterance("can I speak to someone")) == [.say("Transferring you."), .transfer(.queue("support"))])
        #expect(try await actions(.utterance("ok bye")) == [.say("Goodbye."), .hangup])
        // "bye" inside another word does not match.
        #expect(try await actions(.utterance("byebye")) == [.say("Sorry, I did not catch that.")])
        #expect(try await actions(.utterance("")) == [.say("Sorry, I did not catch that.")])
    }

    @Test func dtmfTriggersIntents() async throws {
        #expect(try await actions(.digits("1")) == [.say("Your balance is ten dollars.")])
        #expect(try await actions(.digits("7")) == [.say("Sorry, I did not catch that.")])
    }

    @Test func aReplyOrTheGreetingMarkedSoIsNotInterruptible() async throws {
        let yaml = """
            greeting: "This call is recorded."
            greeting_interruptible: false
            intents:
              - name: terms
                match: ["terms"]
                reply: "Our terms are read in full."
                interruptible: false
              - name: balance
                match: ["balance"]
                reply: "Ten dollars."
            fallback: "Sorry?"
            """
        let agent = ScriptedAgent(script: try AgentScript.parse(yaml: yaml))
        let c = try await agent.startConversation(AgentContext(callID: "c", conversationID: "v", tenantID: "t"))
        #expect(try await c.opening() == [.say("This call is recorded.", interruptible: false)])
        var terms: [AgentAction] = []
        for try await action in c.respond(to: .utterance("the terms please")) { terms.append(action) }
        #expect(terms == [.say("Our terms are read in full.", interruptible: false)])
        var balance: [AgentAction] = []
        for try await action in c.respond(to: .utterance("my balance")) { balance.append(action) }
        #expect(balance == [.say("Ten dollars.", interruptible: true)])
    }

    @Test func shippedScriptParses() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../etc/agent.yaml")
        let script = try AgentScript.parse(yaml: try String(contentsOf: url, encoding: .utf8))
        #expect(script.intents.contains { $0.match.contains("balance") })
        #expect(script.intents.contains { $0.action == .hangup })
    }

    @Test(arguments: [
        ("intents: []", "greeting"),
        ("greeting: hi\nintents: [{name: x, reply: r}]", "intents[0].match"),
        ("greeting: hi\nintents: [{name: x, match: [a], reply: r, action: fly}]", "intents[0].action"),
        ("greeting: hi\nintents: [{name: x, match: [a], action: transfer}]", "intents[0].target"),
        ("greeting: hi\nintents: [{name: x, match: [a], action: transfer, target: 'external:123'}]", "intents[0].target"),
        ("greeting: hi\nintents: [{name: x, match: [a]}]", "intents[0].reply"),
        ("greeting: hi\nintents: [{name: x, match: [a], reply: r, action: collect_digits, then: x}]", "intents[0].max_digits"),
        ("greeting: hi\nintents: [{name: x, match: [a], reply: r, action: collect_digits, max_digits: 4}]", "intents[0].then"),
        ("greeting: hi\nintents: [{name: x, match: [a], reply: r, action: collect_digits, max_digits: 4, then: y}]", "intents[0].then"),
        ("greeting: hi\nintents: [{name: x, match: [a], reply: r, action: collect_digits, max_digits: 4, terminator: '##', then: x}]", "intents[0].terminator"),
        ("greeting: hi\nintents: [{name: x, match: [a], reply: r, action: collect_digits, max_digits: 4, inter_digit_timeout_ms: 5, then: x}]", "intents[0].inter_digit_timeout_ms"),
        ("greeting: [unclosed", "(yaml)"),
        ("greeting: hi\nintents: [{name: x, match: [a], reply: r, confirm: ''}]", "intents[0].confirm"),
        ("greeting: hi\nintents: [{name: x, match: [a], reply: r, examples: ['b c']}]", "intents[0].examples"),
        ("greeting: hi\nconfirm_below: 2\nintents: [{name: x, match: [a], reply: r}]", "confirm_below"),
        ("greeting: hi\nconfirm_yes: []\nintents: [{name: x, match: [a], reply: r}]", "confirm_yes"),
        ("greeting: hi\nintents: [{name: x, match: [a], reply: r, interruptible: sometimes}]", "intents[0].interruptible"),
        ("greeting: hi\ngreeting_interruptible: 0\nintents: [{name: x, match: [a], reply: r}]", "greeting_interruptible"),
    ])
    func badScriptsNameTheKey(yaml: String, key: String) {
        do {
            _ = try AgentScript.parse(yaml: yaml)
            Issue.record("expected an error for \(key)")
        } catch {
            #expect(error.key == key)
        }
    }

    static let confirming = """
        greeting: "Hello, how can I help you?"
        confirm_below: 0.8
        intents:
          - name: balance
            match: ["balance"]
            reply: "Your balance is ten dollars."
          - name: goodbye
            match: ["goodbye", "bye"]
            reply: "Goodbye."
            action: hangup
            confirm: "Do you want to end the call?"
        fallback: "Sorry, I did not catch that."
        """

    func confirmingConversation() async throws -> any AgentConversation {
        let agent = ScriptedAgent(script: try AgentScript.parse(yaml: Self.confirming))
        return try await agent.startConversation(AgentContext(callID: "c", conversationID: "v", tenantID: "t"))
    }

    func say(_ input: AgentInput, to conversation: any AgentConversation) async throws -> [AgentAction] {
        var out: [AgentAction] = []
        for try await action in conversation.respond(to: input) { out.append(action) }
        return out
    }

    @Test func anUnsureHangupIsConfirmedFirst() async throws {
        let c = try await confirmingConversation()
        #expect(c.expectedPhrases.contains("yes") && c.expectedPhrases.contains("no"), "yes and no are recognised")
        #expect(try await say(.utterance("bye", confidence: 0.5), to: c) == [.say("Do you want to end the call?")])
        #expect(try await say(.utterance("yes", confidence: 0.4), to: c) == [.say("Goodbye."), .hangup])
    }

    @Test func onlyAScriptWithoutQuestionsAnswersOnAPauseAndAWithdrawnTurnRestoresTheQuestion() async throws {
        #expect(try await conversation().answersProvisionally)
        let c = try await confirmingConversation()
        #expect(!c.answersProvisionally, "a confirmation depends on the final transcript's confidence")
        #expect(try await say(.utterance("bye", confidence: 0.5), to: c) == [.say("Do you want to end the call?")])
        _ = try await say(.utterance("my balance"), to: c)  // asked on a pause, then withdrawn
        c.withdrawLastTurn()
        #expect(try await say(.utterance("yes", confidence: 0.9), to: c) == [.say("Goodbye."), .hangup])
    }

    @Test func aNoKeepsTheCallerOnTheLine() async throws {
        let c = try await confirmingConversation()
        #expect(try await say(.utterance("goodbye", confidence: 0.3), to: c) == [.say("Do you want to end the call?")])
        #expect(try await say(.utterance("no", confidence: 0.9), to: c) == [.say("All right. What else can I do for you?")])
        // The question has lapsed: a later yes is no longer a yes to it.
        #expect(try await say(.utterance("yes", confidence: 0.9), to: c) == [.say("Sorry, I did not catch that.")])
    }

    @Test func somethingElseInsteadOfAnAnswerIsANewTurn() async throws {
        let c = try await confirmingConversation()
        _ = try await say(.utterance("bye", confidence: 0.5), to: c)
        #expect(try await say(.utterance("my balance", confidence: 0.9), to: c) == [.say("Your balance is ten dollars.")])
    }

    @Test func aSureOrUnratedHangupIsDoneAtOnce() async throws {
        let c = try await confirmingConversation()
        #expect(try await say(.utterance("bye", confidence: 0.95), to: c) == [.say("Goodbye."), .hangup])
        let d = try await confirmingConversation()
        #expect(try await say(.utterance("bye"), to: d) == [.say("Goodbye."), .hangup], "no confidence: taken as sure")
        let e = try await confirmingConversation()
        #expect(try await say(.digits("9"), to: e) == [.say("Sorry, I did not catch that.")], "no key for goodbye here")
    }
}
