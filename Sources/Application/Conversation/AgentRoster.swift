import Domain
import Synchronization

/// Which agent talks on each tenant's calls: the daemon's own (`agent.*`), or the one a tenant chose
/// (its `agent:` in the tenants file). Agents are built once, with the tenant's own credentials, so a
/// tenant's key is only ever sent on that tenant's calls.
public final class AgentRoster: Sendable {
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

    private struct Agents: Sendable {
        var fallback: Choice
        var tenants: [TenantID: Choice]
    }

    private let agents: Mutex<Agents>

    /// `fallback` for every tenant not in `tenants`.
    public init(fallback: Choice, tenants: [TenantID: Choice] = [:]) {
        agents = Mutex(Agents(fallback: fallback, tenants: tenants))
    }

    /// The agent of the tenants without one of their own.
    public var fallback: Choice { agents.withLock { $0.fallback } }

    /// The tenants' own agents.
    public var tenants: [TenantID: Choice] { agents.withLock { $0.tenants } }

    /// The agent of `tenant`'s calls.
    public func choice(for tenant: TenantID) -> Choice { agents.withLock { $0.tenants[tenant] ?? $0.fallback } }

    /// Takes `other`'s agents from now on (SIGHUP): calls that already started keep the agent they got.
    public func replace(with other: AgentRoster) {
        let fresh = other.agents.withLock { $0 }
        agents.withLock { $0 = fresh }
    }
}
