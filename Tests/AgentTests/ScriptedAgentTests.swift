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

    @Test func shippedScriptParses() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../etc/agent.yaml")
        let script = try AgentScript.parse(yaml: try String(contentsOf: url, encoding: .utf8))
        #expect(script.intents.contains { $0.match.contains("balance") })
        #expect(script.intents.contains { $0.action == .hangup })
    }

    @Test(arguments: [
        ("intents: []", "greeting"),
        ("greeting: hi\nintents: [{name: x}]", "intents[0].match"),
        ("greeting: hi\nintents: [{name: x, match: [a], reply: r, action: fly}]", "intents[0].action"),
        ("greeting: hi\nintents: [{name: x, match: [a], action: transfer}]", "intents[0].target"),
        ("greeting: hi\nintents: [{name: x, match: [a], action: transfer, target: 'external:123'}]", "intents[0].target"),
        ("greeting: hi\nintents: [{name: x, match: [a]}]", "intents[0].reply"),
        ("greeting: [unclosed", "(yaml)"),
    ])
    func badScriptsNameTheKey(yaml: String, key: String) {
        do {
            _ = try AgentScript.parse(yaml: yaml)
            Issue.record("expected an error for \(key)")
        } catch {
            #expect(error.key == key)
        }
    }
}
