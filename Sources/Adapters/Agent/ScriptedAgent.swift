import Domain

/// The built-in agent: greets, matches keyword intents in what the caller said (or keyed), replies,
/// and hangs up or transfers when an intent says so. Enough for an IVR and for every test.
public struct ScriptedAgent: Agent {
    public let name: String
    public let script: AgentScript

    public init(script: AgentScript, name: String = "scripted") {
        self.script = script
        self.name = name
    }

    public func startConversation(_ context: AgentContext) async throws(ProviderError) -> any AgentConversation {
        ScriptedConversation(script: script)
    }
}

/// One call's scripted conversation. Stateless beyond the script.
struct ScriptedConversation: AgentConversation {
    let script: AgentScript

    var expectedPhrases: [String] {
        var seen = Set<String>()
        return script.intents.flatMap(\.match).filter { seen.insert($0).inserted }
    }

    func opening() async throws(ProviderError) -> [AgentAction] {
        [.say(script.greeting)]
    }

    func respond(to input: AgentInput) -> AsyncThrowingStream<AgentAction, any Error> {
        let actions = decide(input)
        return AsyncThrowingStream { continuation in
            for action in actions { continuation.yield(action) }
            continuation.finish()
        }
    }

    func end() async {}

    /// The actions for a caller turn.
    func decide(_ input: AgentInput) -> [AgentAction] {
        guard let intent = intent(for: input) else { return [.say(script.fallback)] }
        var actions: [AgentAction] = []
        if let reply = intent.reply { actions.append(.say(reply)) }
        switch intent.action {
        case .hangup: actions.append(.hangup)
        case .transfer(let target): actions.append(.transfer(target))
        case nil: break
        }
        return actions
    }

    /// The first intent whose words appear in the utterance (whole words), or whose key was pressed.
    func intent(for input: AgentInput) -> AgentScript.Intent? {
        switch input {
        case .utterance(let text):
            let words = Self.words(text)
            return script.intents.first { intent in
                intent.match.contains { phrase in Self.contains(words, Self.words(phrase)) }
            }
        case .digits(let digits):
            return script.intents.first { $0.dtmf != nil && $0.dtmf == digits }
        case .noInput:
            return nil
        }
    }

    static func words(_ text: String) -> [Substring] {
        text.lowercased().split { !$0.isLetter && !$0.isNumber && $0 != "'" }
    }

    static func contains(_ words: [Substring], _ phrase: [Substring]) -> Bool {
        guard !phrase.isEmpty, phrase.count <= words.count else { return false }
        for start in 0...(words.count - phrase.count) where Array(words[start..<(start + phrase.count)]) == phrase {
            return true
        }
        return false
    }
}
