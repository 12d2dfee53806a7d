import Domain

extension SpeechToTextChain {
    /// Opens a whole-call stream on the provider the chain would use first (the first one its circuit
    /// breaker lets through), if that provider can keep one; nil when it cannot (per-utterance sessions
    /// then). A failure to open is recorded against the provider (breaker, metrics) and returned.
    public func openCallStream(_ options: TranscriptionOptions) async -> Result<(stream: any CallTranscriptionStream, provider: String), ProviderError>? {
        guard let provider = providers.first(where: { health.allow($0.name) }),
              let streaming = provider as? any CallStreamingSpeechToText else { return nil }
        let started = clock.monotonic()
        do {
            let stream = try await providerDeadline(policy.sttTimeout, clock: clock, provider: provider.name) {
                try await streaming.startCallStream(options)
            }
            health.record(provider.name, failure: nil)
            metrics.request(provider.name, kind: .stt, outcome: "success", latency: clock.monotonic() - started)
            served(by: provider.name)
            return .success((stream, provider.name))
        } catch {
            streamBroke(error, provider: provider.name, latency: clock.monotonic() - started)
            return .failure(error)
        }
    }

    /// A whole-call stream of `provider` failed (to open, or midway).
    public func streamBroke(_ error: ProviderError, provider: String, latency: Duration = .zero) {
        health.record(provider, failure: error)
        metrics.request(provider, kind: .stt, outcome: error.kind.description, latency: latency)
    }
}
