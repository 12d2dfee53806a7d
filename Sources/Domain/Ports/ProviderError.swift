/// A classified failure of an external provider (STT, TTS, agent, telephony, storage).
///
/// The kind drives retries, circuit breakers, `error.*` events and metric labels, so it is a small
/// closed set of stable strings.
public struct ProviderError: Error, Hashable, Sendable, CustomStringConvertible {
    /// How a provider failed.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case timeout, auth, rateLimited = "rate_limited", server, badResponse = "bad_response", network
            case unavailable, badRequest = "bad_request", cancelled
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The provider did not answer in time.
        public static let timeout = Kind(.timeout)
        /// Credentials were refused (401/403).
        public static let auth = Kind(.auth)
        /// The provider throttled us (429).
        public static let rateLimited = Kind(.rateLimited)
        /// The provider failed (5xx).
        public static let server = Kind(.server)
        /// The answer could not be understood (wrong content type, invalid JSON, truncated stream...).
        public static let badResponse = Kind(.badResponse)
        /// The connection failed.
        public static let network = Kind(.network)
        /// The provider is not available (circuit open, engine not loaded).
        public static let unavailable = Kind(.unavailable)
        /// We sent something the provider rejected (4xx other than auth/429); retrying will not help.
        public static let badRequest = Kind(.badRequest)
        /// The work was cancelled (hangup, barge-in).
        public static let cancelled = Kind(.cancelled)
        /// Every kind (for metric label sets created up front).
        public static let all: [Kind] = [timeout, auth, rateLimited, server, badResponse, network, unavailable, badRequest, cancelled]

        /// Whether trying again may succeed.
        public var isRetryable: Bool {
            switch base {
            case .timeout, .rateLimited, .server, .network, .unavailable: true
            case .auth, .badResponse, .badRequest, .cancelled: false
            }
        }

        public var description: String { base.rawValue }
    }

    public let kind: Kind
    /// The provider's configured name (`openai`, `espeak`, ...).
    public let provider: String
    public let message: String

    public init(_ kind: Kind, provider: String, _ message: String) {
        self.kind = kind
        self.provider = provider
        self.message = message
    }

    public var description: String { "\(provider): \(kind): \(message)" }
}
