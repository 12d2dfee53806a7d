import Domain
import Logging
import Synchronization

/// Called with every provider failure a chain recovered from (by retrying or failing over), so the call
/// can record `error.stt_failed` / `error.tts_failed`. The failure a chain gives up on is thrown instead.
public typealias ProviderFailureObserver = @Sendable (ProviderError) -> Void

/// An ordered list of speech-to-text providers behind the `SpeechToText` port, for one call.
///
/// Each utterance goes to the first provider whose circuit breaker lets it through. A failure (error,
/// or no answer within the per-provider timeout) is retried with backoff when retryable, then the next
/// provider gets the utterance: the frames sent so far are replayed to it, so the caller does not have
/// to repeat themselves. `name` is the provider that served last.
public final class SpeechToTextChain: SpeechToText {
    let providers: [any SpeechToText]
    let policy: ProviderChainPolicy
    let health: ProviderHealth
    let metrics: ProviderMetrics
    let clock: any Domain.Clock
    let logger: Logger
    let observer: ProviderFailureObserver
    private let current: Mutex<String>

    public init(
        providers: [any SpeechToText], policy: ProviderChainPolicy, health: ProviderHealth, metrics: ProviderMetrics,
        clock: any Domain.Clock, logger: Logger, observer: @escaping ProviderFailureObserver = { _ in }
    ) {
        self.providers = providers
        self.policy = policy
        self.health = health
        self.metrics = metrics
        self.clock = clock
        self.logger = logger
        self.observer = observer
        self.current = Mutex(providers.first?.name ?? "none")
    }

    /// The provider that served (or will serve) the last utterance.
    public var name: String { current.withLock { $0 } }

    /// The configured order.
    public var providerNames: [String] { providers.map(\.name) }

    /// How long an utterance may take in the worst case (every provider timing out with retries), for
    /// the conversation's own transcript deadline.
    public var worstCase: Duration { policy.worstCase(providers: providers.count, timeout: policy.sttTimeout) }

    public func startSession(_ options: TranscriptionOptions) async throws(ProviderError) -> any TranscriptionSession {
        let session = ChainTranscriptionSession(chain: self, options: options)
        try await session.establish()
        return session
    }

    func served(by provider: String) { current.withLock { $0 = provider } }

    /// Records a failed attempt; returns the next (attempt, provider index) when there is something left
    /// to try, throws the error when not.
    func failed(_ error: ProviderError, provider: String, started: Duration, attempt: Int, index: Int) async throws(ProviderError) -> (attempt: Int, index: Int) {
        var attempt = attempt
        var index = index
        health.record(provider, failure: error)
        metrics.request(provider, kind: .stt, outcome: error.kind.description, latency: clock.monotonic() - started)
        if error.kind == .cancelled || Task.isCancelled { throw error }
        if policy.retry.shouldRetry(after: error, attempt: attempt) {
            logger.warning("speech-to-text attempt failed; retrying", metadata: ["provider": "\(provider)", "error": "\(error)", "attempt": "\(attempt)"])
            observer(error)
            try? await clock.sleep(for: policy.retry.backoff(beforeRetry: attempt))
            attempt += 1
            return (attempt, index)
        }
        index += 1
        attempt = 1
        guard index < providers.count else { throw error }
        logger.warning("speech-to-text provider failed; trying the next one", metadata: [
            "provider": "\(provider)", "error": "\(error)", "next": "\(providers[index].name)",
        ])
        observer(error)
        return (attempt, index)
    }
}

/// One utterance through the chain: keeps the frames so a later provider can be given all of them.
actor ChainTranscriptionSession: TranscriptionSession {
    nonisolated let partials: AsyncStream<Transcript>
    private let feed: AsyncStream<Transcript>.Continuation
    private let chain: SpeechToTextChain
    private let options: TranscriptionOptions
    private var index = 0
    private var attempt = 1
    private var active: (session: any TranscriptionSession, provider: String)?
    private var forwarder: Task<Void, Never>?
    private var frames: [AudioFrame] = []
    private var lastError: ProviderError?

    init(chain: SpeechToTextChain, options: TranscriptionOptions) {
        self.chain = chain
        self.options = options
        (partials, feed) = AsyncStream.makeStream(of: Transcript.self, bufferingPolicy: .bufferingNewest(64))
    }

    /// Opens a session on the current provider or a later one, replaying the frames so far.
    func establish() async throws(ProviderError) {
        while index < chain.providers.count {
            let provider = chain.providers[index]
            guard chain.health.allow(provider.name) else {
                chain.logger.debug("provider skipped: circuit open", metadata: ["provider": "\(provider.name)"])
                lastError = ProviderError(.unavailable, provider: provider.name, "circuit breaker open")
                index += 1
                attempt = 1
                continue
            }
            let started = chain.clock.monotonic()
            let options = options
            let replay = frames
            do {
                let session = try await providerDeadline(chain.policy.sttTimeout, clock: chain.clock, provider: provider.name) {
                    let session = try await provider.startSession(options)
                    for frame in replay { try await session.send(frame) }
                    return session
                }
                active = (session, provider.name)
                forward(session.partials)
                return
            } catch {
                lastError = error
                (attempt, index) = try await chain.failed(error, provider: provider.name, started: started, attempt: attempt, index: index)
            }
        }
        throw lastError ?? ProviderError(.unavailable, provider: chain.name, "no speech-to-text provider configured")
    }

    func send(_ frame: AudioFrame) async throws(ProviderError) {
        frames.append(frame)
        guard let active else { return try await establish() }
        do {
            try await active.session.send(frame)
        } catch {
            await drop()
            (attempt, index) = try await chain.failed(error, provider: active.provider, started: chain.clock.monotonic(), attempt: attempt, index: index)
            try await establish()
        }
    }

    func finish() async throws(ProviderError) -> Transcript {
        while true {
            if active == nil { try await establish() }
            guard let (session, provider) = active else { continue }
            let started = chain.clock.monotonic()
            do {
                let transcript = try await providerDeadline(chain.policy.sttTimeout, clock: chain.clock, provider: provider) {
                    try await session.finish()
                }
                chain.health.record(provider, failure: nil)
                chain.metrics.request(provider, kind: .stt, outcome: "success", latency: chain.clock.monotonic() - started)
                chain.served(by: provider)
                forwarder?.cancel()
                feed.finish()
                return transcript
            } catch {
                await drop()
                (attempt, index) = try await chain.failed(error, provider: provider, started: started, attempt: attempt, index: index)
            }
        }
    }

    func cancel() async {
        await drop()
        feed.finish()
    }

    private func drop() async {
        forwarder?.cancel()
        forwarder = nil
        if let active { await active.session.cancel() }
        active = nil
    }

    private func forward(_ source: AsyncStream<Transcript>) {
        let feed = feed
        forwarder = Task {
            for await partial in source {
                if Task.isCancelled { break }
                feed.yield(partial)
            }
        }
    }
}
