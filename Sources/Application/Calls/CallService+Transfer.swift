import Domain
import Logging

extension CallService {
    /// The transfer handler of a call under ARI control: blind (`continue` with channel variables) or
    /// warm (ring the target, tell them, bridge, leave). Every attempt records `call.escalated` when it
    /// starts and `call.transferred` with its outcome; a failed one puts the call back to `active`.
    func transferHandler(
        for call: Call, channel: IncomingChannel, tenant: TenantSettings, handle: CallHandle, tts: any TextToSpeech,
        settings: ConversationConfiguration, transfer: TransferSettings, recorder: CallEventRecorder, logger: Logger
    ) -> TransferHandler {
        TransferHandler { request, say in
            let mode = request.mode ?? transfer.mode
            var data: [String: JSONValue] = [
                "target": .string(request.target.description), "kind": .string(mode.rawValue), "requested_by": .string(request.origin.rawValue),
            ]
            if let reason = request.reason { data["reason"] = .string(Redactor.redact(reason)) }
            logger.info("transfer", metadata: ["target": "\(request.target)", "kind": "\(mode)", "requested_by": "\(request.origin)"])
            let started = self.dependencies.clock.monotonic()
            await self.transition(call.id, .callEscalated, data: data, logger: logger, recorder: recorder) {
                try $0.beginTransfer(to: request.target, at: self.dependencies.clock.now())
            }
            let outcome: TransferOutcome
            // An agent (an LLM a caller can talk into anything) gets no number the tenant did not allow.
            let allowed = (tenant.allowedDestinations ?? self.configuration.allowedDestinations)
            switch mode {
            case _ where request.target.externalNumber.map { !allowed.allows($0) } ?? false:
                logger.warning("transfer to a number not in allowed_destinations refused", metadata: ["target": "\(request.target)"])
                outcome = .failed
            case .blind:
                outcome = await self.blindTransfer(request, channel: channel.id, call: call, tenant: tenant, handle: handle, logger: logger)
            case .warm:
                outcome = await self.warmTransfer(
                    request, call: call, channel: channel.id, tenant: tenant, handle: handle, tts: tts, settings: settings, transfer: transfer,
                    say: say, logger: logger)
            }
            data["outcome"] = .string(outcome.rawValue)
            data["duration_ms"] = .int((self.dependencies.clock.monotonic() - started).milliseconds)
            data["reason"] = nil
            self.metrics.transfer(kind: mode, outcome: outcome)
            if outcome == .completed {
                await self.transition(call.id, .callTransferred, data: data, logger: logger, recorder: recorder) {
                    try $0.completeTransfer(at: self.dependencies.clock.now())
                }
                return .completed
            }
            logger.warning("transfer failed; back to the agent", metadata: ["outcome": "\(outcome.rawValue)"])
            await self.transition(call.id, .callTransferred, data: data, logger: logger, recorder: recorder) {
                try $0.abortTransfer(at: self.dependencies.clock.now())
            }
            let line = outcome == .failed ? transfer.failedLine : transfer.noAnswerLine
            return .failed(line: line)
        }
    }

    /// The channel variables a transfer sets for the dialplan and the human: the call id, why, a short
    /// redacted summary, and for an external number the dial string of the tenant's template.
    func transferVariables(_ request: TransferRequest, call: Call, tenant: TenantSettings, handle: CallHandle) -> [String: String] {
        var variables = [
            "VOICEGW_CALL_ID": call.id.rawValue,
            "VOICEGW_TRANSFER_REASON": String(Redactor.redact(request.reason ?? "\(request.origin.rawValue) request").prefix(200)),
            "VOICEGW_TRANSFER_SUMMARY": TransferSummary.text(of: handle.log.snapshot, caller: call.callerNumber, lines: configuration.transfer.summaryLines),
        ]
        if case .external(let number) = request.target {
            variables["VOICEGW_DIAL"] = (tenant.dialTemplate ?? configuration.outbound.dialTemplate).endpoint(for: number)
        }
        return variables
    }

    /// `continue` into the transfer context: done once Asterisk takes it (the channel then leaves).
    private func blindTransfer(
        _ request: TransferRequest, channel: ChannelID, call: Call, tenant: TenantSettings, handle: CallHandle, logger: Logger
    ) async -> TransferOutcome {
        handle.resources.transferring = true
        do {
            try await dependencies.telephony.transfer(
                channel, to: request.target, variables: transferVariables(request, call: call, tenant: tenant, handle: handle))
            return .completed
        } catch {
            handle.resources.transferring = false
            logger.error("blind transfer refused", metadata: ["error": "\(error)"])
            return .failed
        }
    }
}

/// How a transfer attempt ended (`call.transferred`'s `outcome`, `voicegw_transfers_total`'s label).
enum TransferOutcome: String, Sendable, Hashable, CaseIterable {
    case completed, busy, noAnswer = "no_answer", failed
}

/// The few words the human gets about the call: who calls and what they said last (redacted).
public enum TransferSummary {
    /// The caller's number and their last `lines` lines, redacted, at most 300 characters.
    public static func text(of conversation: Conversation, caller: String, lines: Int) -> String {
        let said = conversation.turns.filter { $0.speaker == .caller && !$0.text.isEmpty }.suffix(max(0, lines)).map { Redactor.redact($0.text) }
        let who = caller.isEmpty ? "A caller" : "Caller \(caller)"
        let text = said.isEmpty ? "\(who)." : "\(who) said: \(said.joined(separator: " / "))"
        return String(text.prefix(300))
    }
}
