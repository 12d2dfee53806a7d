import Domain

/// Builds the observer a call gives its provider chains: every failure the chain recovered from becomes
/// an `error.stt_failed` / `error.tts_failed` event (`provider`, `kind`, `message`) and a counted failure.
public enum ProviderFailureRecording {
    /// An observer recording `type` events on `recorder` and counting them as `direction` failures.
    public static func observer(_ type: CallEventType, direction: String, recorder: CallEventRecorder, metrics: VoiceMetrics) -> ProviderFailureObserver {
        { error in
            recorder.record(type, [
                "provider": .string(error.provider), "kind": .string(error.kind.description), "message": .string(error.message),
            ])
            metrics.providerFailure(kind: direction, error: error)
        }
    }
}
