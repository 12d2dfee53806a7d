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
        let stt = router.speechToText(
            for: tenant, observer: ProviderFailureRecording.observer(.sttFailed, direction: "stt", recorder: recorder, metrics: metrics))
        let tts = router.textToSpeech(
            for: tenant, observer: ProviderFailureRecording.observer(.ttsFailed, direction: "tts", recorder: recorder, metrics: metrics))
        settings.sttTimeout = max(settings.sttTimeout, stt.worstCase + .milliseconds(500))
        return (stt, tts)
    }
}
