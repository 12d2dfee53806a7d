import Domain
import Logging

/// All configured speech providers by name, and the per-call chains built from a tenant's ordered
/// lists (or the daemon defaults). Shared by every call: it owns the circuit breakers and the TTS cache.
public final class SpeechProviderRouter: Sendable {
    /// What the composition root hands in.
    public struct Configuration: Sendable {
        /// Default STT order when a tenant names none.
        public var defaultSTT: [String]
        /// Default TTS order when a tenant names none.
        public var defaultTTS: [String]
        public var policy: ProviderChainPolicy
        /// Played when every TTS provider failed; nil to fail the sentence instead.
        public var fallbackPrompt: AudioFrame?
        /// Cache bounds (0 entries disables the cache).
        public var cacheEntries: Int
        public var cacheSamples: Int

        public init(
            defaultSTT: [String], defaultTTS: [String], policy: ProviderChainPolicy = .init(), fallbackPrompt: AudioFrame? = nil,
            cacheEntries: Int = 256, cacheSamples: Int = 2_000_000
        ) {
            self.defaultSTT = defaultSTT
            self.defaultTTS = defaultTTS
            self.policy = policy
            self.fallbackPrompt = fallbackPrompt
            self.cacheEntries = cacheEntries
            self.cacheSamples = cacheSamples
        }
    }

    private let stt: [String: any SpeechToText]
    private let tts: [String: any TextToSpeech]
    private let configuration: Configuration
    public let health: ProviderHealth
    public let cache: SynthesisCache
    private let metrics: ProviderMetrics
    private let clock: any Domain.Clock
    private let logger: Logger

    public init(
        stt: [any SpeechToText], tts: [any TextToSpeech], configuration: Configuration, metrics: ProviderMetrics,
        clock: any Domain.Clock, logger: Logger
    ) {
        self.stt = Dictionary(stt.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.tts = Dictionary(tts.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.configuration = configuration
        self.health = ProviderHealth(configuration: configuration.policy.breaker, clock: clock, logger: logger)
        self.cache = SynthesisCache(maxEntries: configuration.cacheEntries, maxSamples: configuration.cacheSamples)
        self.metrics = metrics
        self.clock = clock
        self.logger = logger
    }

    /// The STT chain for a call of `tenant`; `observer` hears the failures the chain recovered from.
    public func speechToText(for tenant: TenantSettings, observer: @escaping ProviderFailureObserver) -> SpeechToTextChain {
        let names = tenant.sttProviders.isEmpty ? configuration.defaultSTT : tenant.sttProviders
        return SpeechToTextChain(
            providers: resolve(names, in: stt, direction: "stt", tenant: tenant.id), policy: configuration.policy, health: health,
            metrics: metrics, clock: clock, logger: logger, observer: observer)
    }

    /// The TTS chain for a call of `tenant`.
    public func textToSpeech(for tenant: TenantSettings, observer: @escaping ProviderFailureObserver) -> TextToSpeechChain {
        let names = tenant.ttsProviders.isEmpty ? configuration.defaultTTS : tenant.ttsProviders
        return TextToSpeechChain(
            providers: resolve(names, in: tts, direction: "tts", tenant: tenant.id), policy: configuration.policy, health: health,
            metrics: metrics, cache: configuration.cacheEntries > 0 ? cache : nil, fallbackPrompt: configuration.fallbackPrompt,
            clock: clock, logger: logger, observer: observer)
    }

    private func resolve<P>(_ names: [String], in registry: [String: P], direction: String, tenant: TenantID) -> [P] {
        var out: [P] = []
        for name in names {
            if let provider = registry[name] { out.append(provider) } else {
                logger.warning("tenant names a provider that is not configured; skipped", metadata: [
                    "tenant.id": "\(tenant)", "direction": "\(direction)", "provider": "\(name)",
                ])
            }
        }
        return out
    }
}
