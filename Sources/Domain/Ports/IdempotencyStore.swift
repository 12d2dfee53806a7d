/// Remembers which request an idempotency key was first used for (outbound calls: a retried
/// `POST /v1/calls` with the same `Idempotency-Key` gets the same call, not a second one). In memory for
/// one instance, in Redis when instances share the API.
public protocol IdempotencyStore: Sendable {
    /// Claims `key` for `value` for `ttl`. Returns nil when this claim won, else the value of the
    /// claim made before (which stands). Throws when the store cannot be reached.
    func claim(_ key: String, value: String, ttl: Duration) async throws(ProviderError) -> String?
}
