import Domain
import Synchronization

/// The built-in agent: greets, matches keyword intents in what the caller said (or keyed), replies,
/// and hangs up or transfers when an intent says so. Enough for an IVR and for every test.
///
/// An intent with a `confirm` line whose words were heard with a confidence below the script's
/// `confirmBelow` is not acted on at once: the agent asks, and acts only on a yes. A recogniser that is
/// unsure never hangs up on a caller, or transfers one, by itself.
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

/// One call's scripted conversation; its only state is an action waiting for the caller's yes or no.
final class ScriptedConversation: AgentConversation {
    let script: AgentScript
    private let pending = Mutex<AgentScript.Intent?>(nil)
    /// The intent to perform with the digits being collected (its collecting intent re-asks on no input).
    private let collecting = Mutex<(asking: AgentScript.Intent, then: AgentScript.Intent)?>(nil)
    /// The question pending before the last turn, to go back to if that turn is withdrawn.
    private let pendingBefore = Mutex<AgentScript.Intent??>(nil)

    init(script: AgentScript) { self.script = script }

    var expectedPhrases: [String] {
        var seen = Set<String>()
        let confirming = script.intents.contains { $0.confirm != nil }
        let words = script.intents.flatMap { $0.examples + $0.match } + (confirming ? script.yesWords + script.noWords : [])
        return words.filter { seen.insert($0).inserted }
    }

    func opening() async throws(ProviderError) -> [AgentAction] {
        [.say(script.greeting, interruptible: script.greetingInterruptible)]
    }

    /// A script that asks for confirmation depends on the final transcript's confidence, and one that
    /// collects digits keeps an entry a withdrawn turn would lose, so only a script without either
    /// answers on a pause.
    var answersProvisionally: Bool {
        !script.intents.contains { intent in
            if case .collectDigits = intent.action { return true }
            return intent.confirm != nil
        }
    }

    func withdrawLastTurn() {
        guard let before = pendingBefore.withLock({ state in defer { state = nil }; return state }) else { return }
        pending.withLock { $0 = before }
    }

    func respond(to input: AgentInput) -> AsyncThrowingStream<AgentAction, any Error> {
        let before = pending.withLock { $0 }
        pendingBefore.withLock { $0 = .some(before) }
        let actions = decide(input)
        return AsyncThrowingStream { continuation in
            for action in actions { continuation.yield(action) }
            continuation.finish()
        }
    }

    func end() async {}

    /// The actions for a caller turn.
    func decide(_ input: AgentInput) -> [AgentAction] {
        if let entry = collecting.withLock({ state in defer { state = nil }; return state }) {
            switch input {
            case .digits(let digits): return perform(entry.then, digits: digits)
            case .noInput: return perform(entry.asking)  // asks again
            case .utterance: break  // words instead of keys: the entry lapses
            }
        }
        if let waiting = pending.withLock({ state in defer { state = nil }; return state }) {
            if case .utterance(let text, _) = input {
                let words = Self.words(text)
                if script.yesWords.contains(where: { Self.contains(words, Self.words($0)) }) { return perform(waiting) }
                if script.noWords.contains(where: { Self.contains(words, Self.words($0)) }) { return [.say(script.declined)] }
            }
            // Anything else is a new turn: the question lapses.
        }
        guard let intent = intent(for: input) else { return [.say(script.fallback)] }
        if let question = intent.confirm, case .utterance(_, let confidence?) = input, confidence < script.confirmBelow {
            pending.withLock { $0 = intent }
            return [.say(question)]
        }
        return perform(intent)
    }

    /// The intent's reply (`{digits}` replaced by the digits it was given) and action.
    private func perform(_ intent: AgentScript.Intent, digits: String = "") -> [AgentAction] {
        var actions: [AgentAction] = []
        if let reply = intent.reply {
            actions.append(.say(reply.replacingOccurrences(of: "{digits}", with: digits), interruptible: intent.interruptible))
        }
        switch intent.action {
        case .hangup: actions.append(.hangup)
        case .transfer(let target): actions.append(.transfer(target))
        case .collectDigits(let request, let then):
            if let next = script.intents.first(where: { $0.name == then }) {
                collecting.withLock { $0 = (intent, next) }
                actions.append(.collectDigits(request))
            }
        case nil: break
        }
        return actions
    }

    /// The first intent whose words appear in the utterance (whole words), or whose key was pressed.
    func intent(for input: AgentInput) -> AgentScript.Intent? {
        switch input {
        case .utterance(let text, _):
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
