@testable import Agent
import Domain
import Testing

@Suite("Scripted agent: digit entries")
struct ScriptedDigitEntryTests {
    static let yaml = """
        greeting: "Hello."
        intents:
          - name: pin
            match: ["pin"]
            dtmf: "2"
            reply: "Please key your PIN, then hash."
            action: collect_digits
            max_digits: 4
            terminator: "#"
            inter_digit_timeout_ms: 2000
            then: pin_given
          - name: pin_given
            reply: "Thank you. I have {digits}."
            action: hangup
        fallback: "Sorry?"
        """

    func conversation() async throws -> any AgentConversation {
        let agent = ScriptedAgent(script: try AgentScript.parse(yaml: Self.yaml))
        return try await agent.startConversation(AgentContext(callID: "c", conversationID: "v", tenantID: "t"))
    }

    func say(_ input: AgentInput, to c: any AgentConversation) async throws -> [AgentAction] {
        var out: [AgentAction] = []
        for try await action in c.respond(to: input) { out.append(action) }
        return out
    }

    static let asking: [AgentAction] = [
        .say("Please key your PIN, then hash."),
        .collectDigits(DigitRequest(maxDigits: 4, terminator: "#", interDigitTimeout: .milliseconds(2000))),
    ]

    @Test func anIntentAsksForDigitsAndItsFollowUpGetsThem() async throws {
        let c = try await conversation()
        #expect(!c.answersProvisionally, "an entry must not be lost to a withdrawn turn")
        #expect(try await say(.utterance("my pin"), to: c) == Self.asking)
        #expect(try await say(.digits("4711"), to: c) == [.say("Thank you. I have 4711."), .hangup])
        #expect(try await say(.digits("4711"), to: c) == [.say("Sorry?")], "the entry is over")
    }

    @Test func noDigitsAsksAgainAndWordsLetTheEntryLapse() async throws {
        let c = try await conversation()
        #expect(try await say(.digits("2"), to: c) == Self.asking, "a key can start it too")
        #expect(try await say(.noInput, to: c) == Self.asking, "no digits: asked again")
        #expect(try await say(.utterance("never mind"), to: c) == [.say("Sorry?")])
        #expect(try await say(.digits("1234"), to: c) == [.say("Sorry?")], "the entry lapsed")
    }

    @Test func theParsedRequestCarriesTheScriptsTimeouts() throws {
        let script = try AgentScript.parse(yaml: Self.yaml)
        guard case .collectDigits(let request, let then) = script.intents[0].action else {
            Issue.record("not a collect_digits intent")
            return
        }
        #expect(request == DigitRequest(maxDigits: 4, terminator: "#", interDigitTimeout: .seconds(2)))
        #expect(then == "pin_given")
    }
}
