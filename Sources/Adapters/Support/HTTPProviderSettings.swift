/// Connection settings every HTTP vendor adapter takes.
public struct HTTPProviderSettings: Sendable, Hashable {
    /// Scheme, host and optional port (and path prefix) of the API: `https://api.openai.com`.
    public var baseURL: String
    /// The credential (API key, subscription key or bearer token). Never logged.
    public var apiKey: String
    /// Deadline of one request.
    public var timeout: Duration

    public init(baseURL: String, apiKey: String, timeout: Duration = .seconds(10)) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiKey = apiKey
        self.timeout = timeout
    }
}
