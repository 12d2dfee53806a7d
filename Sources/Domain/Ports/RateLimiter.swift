/// Per-key request limits (the operator API limits each tenant): in memory for one instance, in Redis
/// when instances share the limit.
public protocol RateLimiter: Sendable {
    /// Takes one request for `key`: nil when it may pass, else how long until one may (`Retry-After`).
    func take(_ key: String) async -> Duration?
}
