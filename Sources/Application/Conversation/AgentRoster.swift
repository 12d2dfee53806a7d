import Domain

/// Which agent talks on each tenant's calls: the daemon's own (`agent.*`), or the one a tenant chose
/// (its `agent:` in the tenants file). Agents are built once, with the tenant's own credentials, so a
/// tenant's key is only ever sent on that tenant's calls.
public struct AgentRoster: Sendable {
    /// An agent of either shape.
    public enum Choice: Sendable {
        /// Turn by turn: speech-to-text, the agent, text-to-speech.
        case turns(any Agent)
        /// A speech-to-speech model that hears and speaks itself.
        case speech(any SpeechToSpeechAgent)

        /// The agent's configured name (`scripted`, `openai`, `orchestrator`, `realtime`).
        public var name: String {
            switch self {
            case .turns(let agent): agent.name
            case .speech(let agent): agent.name
            }
        }
    }

    public let fallback: Choice
    public let tenants: [TenantID: Choice]

    /// `fallback` for every tenant not in `tenants`.
    public init(fallback: Choice, tenants: [TenantID: Choice] = [:]) {
        self.fallback = fallback
        self.tenants = tenants
    }

    /// The agent of `tenant`'s calls.
    public func choice(for tenant: TenantID) -> Choice { tenants[tenant] ?? fallback }
}
