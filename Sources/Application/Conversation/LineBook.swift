import Domain

/// The lines the daemon says itself, by tenant and language (`conversation.lines_file`): the failure
/// policy's fallback line, the re-prompt, the goodbye, the resume line and the transfer lines. An entry
/// is keyed `TENANT/LANGUAGE`, `TENANT`, `LANGUAGE` or a language's primary subtag (`de`); for each line
/// the most specific entry that has it wins, else the daemon's own setting.
public struct LineBook: Sendable, Hashable {
    /// The lines of one entry; nil: not given here.
    public struct Lines: Sendable, Hashable {
        public var agentFallback: String?
        public var reprompt: String?
        public var goodbye: String?
        public var resume: String?
        public var transferHold: String?
        public var transferNoAnswer: String?
        public var transferFailed: String?

        public init() {}

        /// The YAML names of the lines, with where each goes.
        public static let fields: [(name: String, path: any WritableKeyPath<Lines, String?> & Sendable)] = [
            ("agent_fallback", \.agentFallback), ("reprompt", \.reprompt), ("goodbye", \.goodbye), ("resume", \.resume),
            ("transfer_hold", \.transferHold), ("transfer_no_answer", \.transferNoAnswer), ("transfer_failed", \.transferFailed),
        ]
    }

    public var entries: [String: Lines]

    public init(entries: [String: Lines] = [:]) {
        self.entries = entries
    }

    /// The keys to look at for `tenant` speaking `language`, most specific first.
    static func keys(tenant: TenantID, language: String) -> [String] {
        let primary = language.split(separator: "-").first.map(String.init) ?? language
        var keys = ["\(tenant)/\(language)", tenant.rawValue, language]
        if primary != language { keys.insert("\(tenant)/\(primary)", at: 1); keys.append(primary) }
        return keys
    }

    /// The line at `path` for `tenant` speaking `language`, if an entry gives one.
    func line(_ path: KeyPath<Lines, String?>, tenant: TenantID, language: String) -> String? {
        for key in Self.keys(tenant: tenant, language: language) {
            if let line = entries[key]?[keyPath: path] { return line }
        }
        return nil
    }

    /// `conversation` and `transfer` with the lines this book gives for `tenant` speaking `language`.
    public func apply(to conversation: inout ConversationConfiguration, _ transfer: inout TransferSettings, tenant: TenantID, language: String) {
        let find = { (path: KeyPath<Lines, String?>) in self.line(path, tenant: tenant, language: language) }
        if let line = find(\.agentFallback) { conversation.agentFallbackLine = line }
        if let line = find(\.reprompt) { conversation.repromptLine = line }
        if let line = find(\.goodbye) { conversation.goodbyeLine = line }
        if let line = find(\.resume) { conversation.resumeLine = line }
        if let line = find(\.transferHold) { transfer.holdLine = line }
        if let line = find(\.transferNoAnswer) { transfer.noAnswerLine = line }
        if let line = find(\.transferFailed) { transfer.failedLine = line }
    }
}
