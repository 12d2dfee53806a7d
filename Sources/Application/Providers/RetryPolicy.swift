import Domain

/// How often and how patiently a provider is retried before the chain moves on.
public struct RetryPolicy: Sendable, Hashable {
    /// Extra attempts after the first, for retryable failures only.
    public var retries: Int
    /// Wait before the first retry; doubles each time up to `maxBackoff`.
    public var initialBackoff: Duration
    public var maxBackoff: Duration

    public init(retries: Int = 1, initialBackoff: Duration = .milliseconds(100), maxBackoff: Duration = .seconds(1)) {
        self.retries = max(0, retries)
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
    }

    /// Whether attempt number `attempt` (1-based) that failed with `error` should be tried again.
    public func shouldRetry(after error: ProviderError, attempt: Int) -> Bool {
        error.kind.isRetryable && error.kind != .unavailable && attempt <= retries
    }

    /// The wait before retry number `retry` (1-based): exponential, capped.
    public func backoff(beforeRetry retry: Int) -> Duration {
        var delay = initialBackoff
        for _ in 1..<max(1, retry) {
            delay = delay * 2
            if delay >= maxBackoff { return maxBackoff }
        }
        return min(delay, maxBackoff)
    }
}

/// Settings shared by the STT and TTS chains.
public struct ProviderChainPolicy: Sendable, Hashable {
    /// Deadline of one STT attempt (session start, and the final transcript after the last frame).
    public var sttTimeout: Duration
    /// Deadline of one TTS attempt until its first audio chunk, and between chunks.
    public var ttsTimeout: Duration
    public var retry: RetryPolicy
    public var breaker: CircuitBreaker.Configuration

    public init(
        sttTimeout: Duration = .seconds(5), ttsTimeout: Duration = .seconds(5), retry: RetryPolicy = .init(),
        breaker: CircuitBreaker.Configuration = .init()
    ) {
        self.sttTimeout = sttTimeout
        self.ttsTimeout = ttsTimeout
        self.retry = retry
        self.breaker = breaker
    }

    /// The longest a chain of `count` providers can take to give up on one request (for outer deadlines).
    public func worstCase(providers count: Int, timeout: Duration) -> Duration {
        var perProvider = timeout
        for retry in 0..<retry.retries { perProvider += timeout + self.retry.backoff(beforeRetry: retry + 1) }
        return perProvider * max(1, count)
    }
}
