import Domain
import Metrics

/// Provider request metrics: `voicegw_provider_requests_total{provider,kind,outcome}` and
/// `voicegw_provider_latency_seconds{provider,kind}`. Labels are bounded: provider names come from the
/// configuration, kind is `stt` or `tts`, outcome is `success`, `cached`, `fallback` or an error kind.
public struct ProviderMetrics: Sendable {
    /// The direction of a provider.
    public enum Kind: String, Sendable {
        case stt, tts
    }

    private let factory: any MetricsFactory

    public init(factory: any MetricsFactory) {
        self.factory = factory
    }

    /// One request to `provider` ended with `outcome` after `latency` (nil: not timed, e.g. a cache hit).
    public func request(_ provider: String, kind: Kind, outcome: String, latency: Duration?) {
        Counter(
            label: "voicegw_provider_requests_total",
            dimensions: [("provider", provider), ("kind", kind.rawValue), ("outcome", outcome)], factory: factory
        ).increment()
        if let latency {
            Metrics.Timer(
                label: "voicegw_provider_latency_seconds", dimensions: [("provider", provider), ("kind", kind.rawValue)],
                factory: factory
            ).recordNanoseconds(latency.components.seconds * 1_000_000_000 + latency.components.attoseconds / 1_000_000_000)
        }
    }
}
