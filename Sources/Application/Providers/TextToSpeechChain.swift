import Domain
import Logging
import Synchronization

/// An ordered list of text-to-speech providers behind the `TextToSpeech` port, for one call.
///
/// Each sentence goes to the first provider whose breaker lets it through; audio is passed on as it
/// arrives. A provider that fails, or sends nothing for `ttsTimeout` (before the first chunk or between
/// chunks), is retried when the failure is retryable, then the next provider says the sentence (from
/// its start: a provider that broke mid-sentence is not resumed). When every provider failed, the
/// configured fallback prompt (a pre-recorded WAV) is played instead. Whole sentences that succeeded are
/// cached by provider, voice and text, so fixed prompts are synthesized once.
public final class TextToSpeechChain: TextToSpeech {
    /// The provider name reported when the fallback prompt was played.
    public static let fallbackName = "fallback_prompt"

    let providers: [any TextToSpeech]
    let policy: ProviderChainPolicy
    let health: ProviderHealth
    let metrics: ProviderMetrics
    let cache: SynthesisCache?
    let fallbackPrompt: AudioFrame?
    let clock: any Domain.Clock
    let logger: Logger
    let observer: ProviderFailureObserver
    private let current: Mutex<String>

    public init(
        providers: [any TextToSpeech], policy: ProviderChainPolicy, health: ProviderHealth, metrics: ProviderMetrics,
        cache: SynthesisCache?, fallbackPrompt: AudioFrame?, clock: any Domain.Clock, logger: Logger,
        observer: @escaping ProviderFailureObserver = { _ in }
    ) {
        self.providers = providers
        self.policy = policy
        self.health = health
        self.metrics = metrics
        self.cache = cache
        self.fallbackPrompt = fallbackPrompt
        self.clock = clock
        self.logger = logger
        self.observer = observer
        self.current = Mutex(providers.first?.name ?? Self.fallbackName)
    }

    /// The provider that spoke the last sentence.
    public var name: String { current.withLock { $0 } }

    /// The configured order.
    public var providerNames: [String] { providers.map(\.name) }

    public func synthesize(_ request: SynthesisRequest) -> AudioStream {
        let (stream, continuation) = AudioStream.makeStream()
        let task = Task { await self.run(request, into: continuation) }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    private func run(_ request: SynthesisRequest, into output: AudioStream.Continuation) async {
        var lastError: ProviderError?
        for (index, provider) in providers.enumerated() {
            let key = SynthesisCache.Key(provider: provider.name, request: request)
            if let cached = cache?.audio(for: key) {
                metrics.request(provider.name, kind: .tts, outcome: "cached", latency: nil)
                current.withLock { $0 = provider.name }
                for frame in cached { output.yield(frame) }
                output.finish()
                return
            }
            guard health.allow(provider.name) else {
                logger.debug("provider skipped: circuit open", metadata: ["provider": "\(provider.name)"])
                continue
            }
            var attempt = 1
            while true {
                let started = clock.monotonic()
                let attemptResult = await TTSAttempt(provider: provider, request: request, timeout: policy.ttsTimeout, clock: clock).run(into: output)
                switch attemptResult {
                case .success(let frames, let firstChunk):
                    health.record(provider.name, failure: nil)
                    metrics.request(provider.name, kind: .tts, outcome: "success", latency: firstChunk ?? (clock.monotonic() - started))
                    current.withLock { $0 = provider.name }
                    cache?.insert(frames, for: key)
                    output.finish()
                    return
                case .failure(let error):
                    health.record(provider.name, failure: error)
                    metrics.request(provider.name, kind: .tts, outcome: error.kind.description, latency: clock.monotonic() - started)
                    lastError = error
                    if error.kind == .cancelled || Task.isCancelled {
                        output.finish(throwing: error)
                        return
                    }
                    let more = index + 1 < providers.count || fallbackPrompt != nil
                    if policy.retry.shouldRetry(after: error, attempt: attempt) {
                        logger.warning("text-to-speech attempt failed; retrying", metadata: ["provider": "\(provider.name)", "error": "\(error)"])
                        observer(error)
                        try? await clock.sleep(for: policy.retry.backoff(beforeRetry: attempt))
                        attempt += 1
                        continue
                    }
                    if more {
                        logger.warning("text-to-speech provider failed; trying the next one", metadata: ["provider": "\(provider.name)", "error": "\(error)"])
                        observer(error)
                    }
                }
                break
            }
        }
        if let fallbackPrompt {
            logger.error("every text-to-speech provider failed; playing the fallback prompt", metadata: ["error": "\(lastError.map { "\($0)" } ?? "none available")"])
            metrics.request(Self.fallbackName, kind: .tts, outcome: "fallback", latency: nil)
            current.withLock { $0 = Self.fallbackName }
            output.yield(fallbackPrompt)
            output.finish()
            return
        }
        output.finish(throwing: lastError ?? ProviderError(.unavailable, provider: name, "no text-to-speech provider available"))
    }
}

/// One provider's attempt at a sentence, with an inactivity deadline.
struct TTSAttempt: Sendable {
    enum Outcome: Sendable {
        case success([AudioFrame], firstChunk: Duration?)
        case failure(ProviderError)
    }

    private enum Step: Sendable {
        case chunk(AudioFrame)
        case end
        case failed(any Error)
        case stalled
    }

    let provider: any TextToSpeech
    let request: SynthesisRequest
    let timeout: Duration
    let clock: any Domain.Clock

    /// Passes audio on to `output` as it arrives; returns what was sent once the provider finished.
    func run(into output: AudioStream.Continuation) async -> Outcome {
        let started = clock.monotonic()
        let source = provider.synthesize(request)
        let (steps, feed) = AsyncStream.makeStream(of: Step.self)
        let progress = ChunkCounter()
        let pump = Task {
            do {
                for try await chunk in source {
                    progress.increment()
                    feed.yield(.chunk(chunk))
                }
                feed.yield(.end)
            } catch { feed.yield(.failed(error)) }
        }
        let clock = clock
        let timeout = timeout
        let watchdog = Task {
            var seen = 0
            while !Task.isCancelled {
                do { try await clock.sleep(for: timeout) } catch { return }
                let now = progress.value
                if now == seen {
                    feed.yield(.stalled)
                    return
                }
                seen = now
            }
        }
        defer {
            pump.cancel()
            watchdog.cancel()
            feed.finish()
        }
        var frames: [AudioFrame] = []
        var firstChunk: Duration?
        for await step in steps {
            switch step {
            case .chunk(let frame):
                if firstChunk == nil { firstChunk = clock.monotonic() - started }
                frames.append(frame)
                output.yield(frame)
            case .end:
                return .success(frames, firstChunk: firstChunk)
            case .failed(let error):
                let failure = (error as? ProviderError)
                    ?? (error is CancellationError ? ProviderError(.cancelled, provider: provider.name, "cancelled") : ProviderError(.badResponse, provider: provider.name, "\(error)"))
                return .failure(failure)
            case .stalled:
                let what = firstChunk == nil ? "no audio" : "audio stopped"
                return .failure(ProviderError(.timeout, provider: provider.name, "\(what) within \(timeout.milliseconds) ms"))
            }
            if Task.isCancelled { break }
        }
        return .failure(ProviderError(.cancelled, provider: provider.name, "cancelled"))
    }
}

/// Counts chunks seen by one attempt (read by its watchdog).
final class ChunkCounter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
