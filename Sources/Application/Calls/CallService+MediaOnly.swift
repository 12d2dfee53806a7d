import Domain
import Logging

extension CallService {
    /// Runs a call that arrived over media alone (dialplan `AudioSocket(UUID,host:port)`): no ARI
    /// channel, so no answer, bridge, hangup or transfer through the telephony server. The tenant is
    /// the one owning `mediaOnlyCallNumber`; the UUID is kept in the call's metadata.
    func runMediaOnly(_ arrival: MediaOnlyCall, handle: CallHandle) async {
        let deps = dependencies
        var logger = self.logger
        logger[metadataKey: "call.id"] = "\(handle.callID)"
        logger[metadataKey: "audiosocket.uuid"] = "\(arrival.id)"
        let number = configuration.mediaOnlyCallNumber
        let tenant: TenantSettings
        do {
            tenant = try await deps.directory.tenant(forDialled: number, trunk: nil)
        } catch {
            logger.warning("no tenant for dialplan AudioSocket calls; closing", metadata: ["number": "\(number)", "error": "\(error)"])
            metrics.callRejected(reason: "unknown_number")
            await arrival.session.close()
            return
        }
        logger[metadataKey: "tenant.id"] = "\(tenant.id)"
        var call = Call(
            id: handle.callID, tenantID: tenant.id, channelID: handle.channelID, conversationID: handle.log.snapshot.id,
            direction: .inbound, callerNumber: "", calleeNumber: number, instanceID: configuration.instanceID,
            createdAt: deps.clock.now(), metadata: ["audiosocket_uuid": arrival.id, "mode": "dialplan_audiosocket"])
        call.agentID = tenant.agentID
        call.sttProvider = deps.stt.name
        call.ttsProvider = deps.tts.name
        let recorder = makeRecorder(for: call, logger: logger)
        // The dialplan answered before AudioSocket(): the channel is up.
        let channel = IncomingChannel(id: handle.channelID, name: "AudioSocket/\(arrival.id)", state: "Up", extensionNumber: number)
        await runCall(call, channel: channel, tenant: tenant, handle: handle, recorder: recorder, resuming: false, logger: logger) {
            await begin(call, recorder: recorder, logger: logger)
            logger.info("dialplan AudioSocket call started")
        }
    }
}
