import Domain

extension SpeechProviderRouter {
    /// The speech providers of one call of `tenant`: its chains, with every failure a chain recovers
    /// from recorded as `error.stt_failed` / `error.tts_failed` on `recorder` and counted in `metrics`.
    /// Widens `settings.sttTimeout` so the transcript deadline covers the whole STT chain.
    public func providers(
        for tenant: TenantSettings, settings: inout ConversationConfiguration, recorder: CallEventRecorder, metrics: VoiceMetrics
    ) -> (stt: SpeechToTextChain, tts: TextToSpeechChain) {
        let stt = speechToText(
            for: tenant, observer: ProviderFailureRecording.observer(.sttFailed, direction: "stt", recorder: recorder, metrics: metrics))
        let tts = textToSpeech(
            for: tenant, observer: ProviderFailureRecording.observer(.ttsFailed, direction: "tts", recorder: recorder, metrics: metrics))
        settings.sttTimeout = max(settings.sttTimeout, stt.worstCase + .milliseconds(500))
        return (stt, tts)
    }
}
