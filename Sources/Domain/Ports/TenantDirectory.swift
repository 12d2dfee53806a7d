/// A tenant's telephony settings.
public struct TenantSettings: Sendable, Hashable {
    public var id: TenantID
    /// BCP 47 language for STT and TTS.
    public var language: String
    /// Ordered STT provider names (first is primary).
    public var sttProviders: [String]
    /// Ordered TTS provider names (first is primary).
    public var ttsProviders: [String]
    /// TTS voice, provider-specific.
    public var voice: String?
    /// The agent the orchestrator should use.
    public var agentID: String?
    /// Media transport for this tenant's calls; nil for the daemon default.
    public var transport: MediaTransportKind?
    /// Maximum concurrent calls; nil for no limit.
    public var maxConcurrentCalls: Int?
    /// The tenant's own agent; nil for the daemon's.
    public var agent: TenantAgentSettings?
    /// External numbers the tenant's operators may send calls to; nil for the daemon's
    /// `calls.allowed_destinations`.
    public var allowedDestinations: DestinationPolicy?
    /// How the tenant's outbound calls are dialled; nil for the daemon's `calls.dial_template`.
    public var dialTemplate: DialTemplate?
    /// Whether the tenant's calls are recorded; nil for the daemon's `calls.recording.enabled`.
    public var recording: Bool?

    public init(
        id: TenantID, language: String = "en-US", sttProviders: [String] = [], ttsProviders: [String] = [],
        voice: String? = nil, agentID: String? = nil, transport: MediaTransportKind? = nil, maxConcurrentCalls: Int? = nil
    ) {
        self.id = id
        self.language = language
        self.sttProviders = sttProviders
        self.ttsProviders = ttsProviders
        self.voice = voice
        self.agentID = agentID
        self.transport = transport
        self.maxConcurrentCalls = maxConcurrentCalls
    }
}

/// A tenant's own agent: its kind and what it overrides of the daemon's `agent.<kind>` settings (nil:
/// the daemon's value). Credentials given here are used for this tenant's calls only.
public struct TenantAgentSettings: Sendable, Hashable {
    /// `scripted`, `openai`, `orchestrator` or `realtime`.
    public var kind: String
    public var model: String?
    public var systemPrompt: String?
    public var greeting: String?
    public var baseURL: String?
    /// The tenant's API key or token (never logged).
    public var apiKey: String?
    /// The tenant's webhook tools file (replaces the daemon's).
    public var toolsFile: String?

    public init(
        kind: String, model: String? = nil, systemPrompt: String? = nil, greeting: String? = nil, baseURL: String? = nil,
        apiKey: String? = nil, toolsFile: String? = nil
    ) {
        self.kind = kind
        self.model = model
        self.systemPrompt = systemPrompt
        self.greeting = greeting
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.toolsFile = toolsFile
    }
}

/// Finds the tenant of a call and its settings (tenant manager, or a file).
public protocol TenantDirectory: Sendable {
    /// The tenant owning the dialled number `did` (on `trunk`, the SIP endpoint the call came in on, if
    /// known). Unknown numbers go to the default tenant if one is configured, else throw `ProviderError`
    /// of kind `badRequest`; any other kind means the directory could not answer (the tenant manager
    /// failed with nothing cached and no fallback).
    func tenant(forDialled did: String, trunk: String?) async throws(ProviderError) -> TenantSettings

    /// The settings of tenant `id`. Throws `badRequest` for an unknown tenant, another kind when the
    /// directory could not answer.
    func settings(for id: TenantID) async throws(ProviderError) -> TenantSettings
}
