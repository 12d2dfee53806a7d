import Domain
import Yams

/// The scripted agent's script (`etc/agent.yaml`): a greeting, keyword intents and a fallback line.
///
/// ```yaml
/// greeting: "Hello, how can I help you?"
/// greeting_interruptible: true       # optional: false plays the greeting whole (a legal notice)
/// intents:
///   - name: balance
///     match: ["balance"]
///     reply: "Your balance is ten dollars."
///     interruptible: false           # optional (default true): the caller's voice does not cut the reply
///   - name: goodbye
///     match: ["goodbye", "bye"]
///     dtmf: "9"                      # optional: a key that triggers the intent
///     reply: "Goodbye."
///     action: hangup                 # optional: hangup | transfer | collect_digits
///     target: "extension:200"        # with transfer: queue:NAME | extension:EXT | external:+E164
///   - name: pin
///     match: ["pin"]
///     reply: "Please key your PIN, then hash."
///     action: collect_digits         # the reply is the prompt; the first key cuts it
///     max_digits: 4
///     terminator: "#"                # optional
///     first_digit_timeout_ms: 8000   # optional: the daemon's conversation.first_digit_timeout_ms
///     inter_digit_timeout_ms: 3000   # optional: the daemon's conversation.inter_digit_timeout_ms
///     then: pin_given                # the intent performed with the digits
///   - name: pin_given                # needs no match: only reached through `then`
///     reply: "Thank you. I have {digits}."
/// fallback: "Sorry, I did not catch that."
/// ```
public struct AgentScript: Sendable, Hashable {
    /// One intent: what triggers it and what the agent does.
    public struct Intent: Sendable, Hashable {
        public var name: String
        /// Lower-cased words or phrases; any of them in the utterance triggers the intent.
        public var match: [String]
        /// Whole sentences a caller says for this intent ("I want to check my balance"): hints for the
        /// recogniser (the embedded one recognises exactly these and `match`). Each must contain a `match`
        /// phrase, so that hearing it triggers the intent.
        public var examples: [String] = []
        public var dtmf: String?
        public var reply: String?
        public var action: Action?
        /// Asked before the action when the caller was heard with a confidence below the script's
        /// `confirmBelow` ("Do you want to end the call? Please say yes or no."); nil: never asked.
        public var confirm: String?
        /// Whether the caller's voice may cut the reply (false: it plays whole).
        public var interruptible = true
    }

    /// What an intent does after its reply.
    public enum Action: Sendable, Hashable {
        case hangup
        case transfer(TransferTarget)
        /// Collect digits, then perform the intent named `then` with them (`{digits}` in its reply).
        case collectDigits(DigitRequest, then: String)
    }

    public var greeting: String
    /// Whether the caller's voice may cut the greeting.
    public var greetingInterruptible = true
    public var intents: [Intent]
    public var fallback: String
    /// An intent with a `confirm` line heard with a confidence below this (0...1) is confirmed first.
    /// A transcript without a confidence (most cloud engines) is taken as sure.
    public var confirmBelow: Double = 0
    /// Words that confirm, and words that decline, the pending action.
    public var yesWords: [String] = ["yes", "yeah", "yep", "correct", "sure"]
    public var noWords: [String] = ["no", "nope"]
    /// Said when the caller declines the pending action.
    public var declined = "All right. What else can I do for you?"

    public init(greeting: String, intents: [Intent], fallback: String) {
        self.greeting = greeting
        self.intents = intents
        self.fallback = fallback
    }

    /// A script error naming the offending key (`intents[1].action`).
    public struct Invalid: Error, Hashable, Sendable, CustomStringConvertible {
        public let key: String
        public let message: String
        public var description: String { "\(key): \(message)" }
    }

    /// Parses the YAML text of a script.
    public static func parse(yaml text: String) throws(Invalid) -> AgentScript {
        let root: [String: Any]
        do {
            guard let loaded = try Yams.load(yaml: text) as? [String: Any] else {
                throw Invalid(key: "(root)", message: "the script must be a mapping")
            }
            root = loaded
        } catch let error as Invalid {
            throw error
        } catch {
            throw Invalid(key: "(yaml)", message: "not valid YAML: \(error)")
        }
        guard let greeting = root["greeting"] as? String, !greeting.isEmpty else {
            throw Invalid(key: "greeting", message: "a non-empty string is required")
        }
        let fallback = (root["fallback"] as? String) ?? "Sorry, I did not catch that."
        var intents: [Intent] = []
        let list = root["intents"] ?? [Any]()
        guard let rawIntents = list as? [Any] else { throw Invalid(key: "intents", message: "must be a list") }
        for (index, raw) in rawIntents.enumerated() {
            intents.append(try parseIntent(raw, key: "intents[\(index)]"))
        }
        try checkFollowUps(intents)
        var script = AgentScript(greeting: greeting, intents: intents, fallback: fallback)
        if let raw = root["greeting_interruptible"] {
            guard let flag = raw as? Bool else { throw Invalid(key: "greeting_interruptible", message: "true or false") }
            script.greetingInterruptible = flag
        }
        if let below = root["confirm_below"] {
            guard let value = (below as? Double) ?? (below as? Int).map(Double.init), (0...1).contains(value) else {
                throw Invalid(key: "confirm_below", message: "a number between 0 and 1")
            }
            script.confirmBelow = value
        }
        if let declined = root["confirm_declined"] {
            guard let line = declined as? String, !line.isEmpty else { throw Invalid(key: "confirm_declined", message: "a non-empty string") }
            script.declined = line
        }
        for (key, path) in [("confirm_yes", \AgentScript.yesWords), ("confirm_no", \AgentScript.noWords)] {
            guard let raw = root[key] else { continue }
            guard let words = raw as? [String], !words.isEmpty else { throw Invalid(key: key, message: "a non-empty list of words") }
            script[keyPath: path] = words.map { $0.lowercased() }
        }
        return script
    }

    private static func parseIntent(_ raw: Any, key: String) throws(Invalid) -> Intent {
        guard let map = raw as? [String: Any] else { throw Invalid(key: key, message: "must be a mapping") }
        guard let name = map["name"] as? String, !name.isEmpty else { throw Invalid(key: "\(key).name", message: "required") }
        let match: [String]
        switch map["match"] {
        case let one as String: match = [one]
        case let many as [Any]: match = many.compactMap { $0 as? String }
        case nil: match = []
        default: throw Invalid(key: "\(key).match", message: "must be a string or a list of strings")
        }
        let dtmf = (map["dtmf"] as? String) ?? (map["dtmf"] as? Int).map(String.init)
        var action: Action?
        switch map["action"] as? String {
        case nil: action = nil
        case "hangup": action = .hangup
        case "transfer":
            guard let target = map["target"] as? String else {
                throw Invalid(key: "\(key).target", message: "required with action transfer")
            }
            action = .transfer(try parseTarget(target, key: "\(key).target"))
        case "collect_digits":
            action = try parseCollect(map, key: key)
        case let other?: throw Invalid(key: "\(key).action", message: "unknown action '\(other)' (hangup, transfer, collect_digits)")
        }
        let reply = map["reply"] as? String
        if reply == nil && action == nil { throw Invalid(key: "\(key).reply", message: "an intent needs a reply or an action") }
        let confirm = map["confirm"] as? String
        if map["confirm"] != nil && (confirm ?? "").isEmpty { throw Invalid(key: "\(key).confirm", message: "a non-empty string") }
        var examples: [String] = []
        if let raw = map["examples"] {
            guard let list = raw as? [String] else { throw Invalid(key: "\(key).examples", message: "a list of sentences") }
            examples = list.map { $0.lowercased() }
        }
        var intent = Intent(
            name: name, match: match.map { $0.lowercased() }, examples: examples, dtmf: dtmf, reply: reply, action: action, confirm: confirm)
        if let raw = map["interruptible"] {
            guard let flag = raw as? Bool else { throw Invalid(key: "\(key).interruptible", message: "true or false") }
            intent.interruptible = flag
        }
        for example in examples where !intent.match.contains(where: { ScriptedConversation.contains(ScriptedConversation.words(example), ScriptedConversation.words($0)) }) {
            throw Invalid(key: "\(key).examples", message: "'\(example)' contains none of the intent's match phrases")
        }
        return intent
    }

    /// `max_digits` (1-32), `terminator`, the timeouts and `then` of a `collect_digits` intent.
    private static func parseCollect(_ map: [String: Any], key: String) throws(Invalid) -> Action {
        guard let max = map["max_digits"] as? Int, (1...32).contains(max) else {
            throw Invalid(key: "\(key).max_digits", message: "a number from 1 to 32 is required with action collect_digits")
        }
        var request = DigitRequest(maxDigits: max)
        if let raw = map["terminator"] {
            let text = (raw as? String) ?? (raw as? Int).map(String.init)
            guard let text, text.count == 1, let terminator = DigitRequest.terminator(text) else {
                throw Invalid(key: "\(key).terminator", message: "one key: 0-9, *, # or A-D")
            }
            request.terminator = terminator
        }
        for (name, path) in [("first_digit_timeout_ms", \DigitRequest.firstDigitTimeout), ("inter_digit_timeout_ms", \DigitRequest.interDigitTimeout)] {
            guard let raw = map[name] else { continue }
            guard let ms = raw as? Int, (100...120_000).contains(ms) else {
                throw Invalid(key: "\(key).\(name)", message: "milliseconds from 100 to 120000")
            }
            request[keyPath: path] = .milliseconds(ms)
        }
        guard let then = map["then"] as? String, !then.isEmpty else {
            throw Invalid(key: "\(key).then", message: "the intent to perform with the digits is required with action collect_digits")
        }
        return .collectDigits(request, then: then)
    }

    /// Every `then` names an intent; an intent without match words or a key is reached through one.
    private static func checkFollowUps(_ intents: [Intent]) throws(Invalid) {
        var followUps = Set<String>()
        for (index, intent) in intents.enumerated() {
            guard case .collectDigits(_, let then) = intent.action else { continue }
            guard intents.contains(where: { $0.name == then }) else {
                throw Invalid(key: "intents[\(index)].then", message: "no intent is named '\(then)'")
            }
            followUps.insert(then)
        }
        for (index, intent) in intents.enumerated() where intent.match.isEmpty && intent.dtmf == nil && !followUps.contains(intent.name) {
            throw Invalid(key: "intents[\(index)].match", message: "an intent needs match words or a dtmf key (or to be another's `then`)")
        }
    }

    static func parseTarget(_ text: String, key: String) throws(Invalid) -> TransferTarget {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[1].isEmpty else {
            throw Invalid(key: key, message: "expected queue:NAME, extension:EXT or external:+E164")
        }
        switch parts[0] {
        case "queue": return .queue(parts[1])
        case "extension": return .extension(parts[1])
        case "external":
            do { return .external(try PhoneNumber(parts[1])) } catch { throw Invalid(key: key, message: error.description) }
        default: throw Invalid(key: key, message: "unknown target kind '\(parts[0])'")
        }
    }
}
