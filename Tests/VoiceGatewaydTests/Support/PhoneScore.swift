@testable import Agent
import Domain

/// What the scripted agent did with a recognised utterance.
enum PhoneAnswer: Sendable, Hashable, CustomStringConvertible {
    /// Acted on an intent (its reply, transfer or hangup).
    case acted(String)
    /// Asked whether the caller meant an intent (recognised, not yet acted on).
    case asked(String)
    /// Did nothing but re-prompt (nothing sure was heard).
    case nothing

    init(_ actions: [AgentAction], script: AgentScript) {
        // What was said, whether or not the caller may cut it.
        let said = actions.compactMap { action -> String? in
            if case .say(let text, _) = action { return text }
            return nil
        }
        for intent in script.intents {
            if let question = intent.confirm, said.contains(question) { self = .asked(intent.name); return }
            if let reply = intent.reply, said.contains(reply) { self = .acted(intent.name); return }
        }
        self = .nothing
    }

    var description: String {
        switch self {
        case .acted(let intent): "acted:\(intent)"
        case .asked(let intent): "asked:\(intent)"
        case .nothing: "nothing"
        }
    }
}

/// One utterance's result.
struct PhoneOutcome: Sendable, CustomStringConvertible {
    let file: String
    let expected: String?
    let heard: String
    let confidence: Double
    let frames: Int
    let answer: PhoneAnswer

    /// Recognised: acted on, or asked about, the intent it was; or nothing done for one with no intent.
    var isRight: Bool {
        switch answer {
        case .acted(let intent), .asked(let intent): intent == expected
        case .nothing: expected == nil
        }
    }

    var description: String {
        "\(file): expected \(expected ?? "none"), heard '\(heard)' (confidence \(String(format: "%.2f", confidence)), \(frames) frames) -> \(answer)"
    }
}

/// The counts the issue asks for, per codec.
struct PhoneScore: Sendable {
    let outcomes: [PhoneOutcome]
    init(_ outcomes: [PhoneOutcome]) { self.outcomes = outcomes }

    var expected: Int { outcomes.filter { $0.expected != nil }.count }
    var acted: Int { outcomes.filter { if case .acted(let i) = $0.answer { i == $0.expected } else { false } }.count }
    var asked: Int { outcomes.filter { if case .asked(let i) = $0.answer { i == $0.expected } else { false } }.count }
    /// Acted on an intent other than the one said (or on one when none was said): must never happen.
    var wrongActions: [String] {
        outcomes.filter { if case .acted(let i) = $0.answer { i != $0.expected } else { false } }.map(\.description)
    }
    /// Asked about the wrong intent (the caller says no; not an action).
    var wrongQuestions: Int { outcomes.filter { if case .asked(let i) = $0.answer { i != $0.expected } else { false } }.count }
    var recognitionRate: Double { expected == 0 ? 0 : Double(acted + asked) / Double(expected) }

    var summary: String {
        let none = outcomes.count - expected
        let quiet = outcomes.filter { $0.expected == nil && $0.answer == .nothing }.count
        return "\(acted + asked)/\(expected) intents recognised (\(String(format: "%.1f", recognitionRate * 100))%: \(acted) acted, \(asked) confirmed first), "
            + "\(wrongActions.count) wrong actions, \(wrongQuestions) wrong questions, \(quiet)/\(none) non-intent utterances left alone"
    }
}
