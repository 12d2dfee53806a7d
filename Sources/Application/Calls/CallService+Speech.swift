import Domain
import Logging

extension CallService {
    /// The speech providers of one call: the tenant's chains when a router is configured (failures the
    /// chains recover from are recorded as `error.stt_failed` / `error.tts_failed` and counted), else the
    /// single providers of the dependencies. Widens the transcript deadline to cover the whole chain.
    func speechProviders(
        for tenant: TenantSettings, settings: inout ConversationConfiguration, recorder: CallEventRecorder
    ) -> (stt: any SpeechToText, tts: any TextToSpeech) {
        guard let router = dependencies.speech else { return (dependencies.stt, dependencies.tts) }
        let metrics = self.metrics
        func observer(_ type: CallEventType, _ direction: String) -> ProviderFailureObserver {
            { error in
                recorder.record(type, [
                    "provider": .string(error.provider), "kind": .string(error.kind.description), "message": .string(error.message),
                ])
                metrics.providerFailure(kind: direction, error: error)
            }
        }
        let stt = router.speechToText(for: tenant, observer: observer(.sttFailed, "stt"))
        let tts = router.textToSpeech(for: tenant, observer: observer(.ttsFailed, "tts"))
        settings.sttTimeout = max(settings.sttTimeout, stt.worstCase + .milliseconds(500))
        return (stt, tts)
    }
}
