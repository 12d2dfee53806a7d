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
        let chains = router.providers(for: tenant, settings: &settings, recorder: recorder, metrics: metrics)
        return (chains.stt, chains.tts)
    }
}
