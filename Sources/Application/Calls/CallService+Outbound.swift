import Domain
import Logging

extension CallService {
    /// What the run loop needs to run an outbound call placed by `originate`.
    struct OutboundPlan: Sendable {
        var call: Call
        /// The tenant's settings with the request's overrides (language, voice, agent).
        var tenant: TenantSettings
        var timeout: Duration
        /// Asterisk refused the originate: the call ends at once (`dial_failed`).
        var refusal: ProviderError?
    }

    /// Places an outbound call for `tenantID` (`POST /v1/calls`): checks the destination against the
    /// tenant's `allowed_destinations` (else `calls.allowed_destinations`), the daemon's and the
    /// tenant's call limits and the idempotency key; stores the call (`ringing`) and asks Asterisk to
    /// dial the tenant's `dial_template` (else `calls.dial_template`). The outcome follows as events:
    /// answered, the conversation runs as on an inbound call; busy, no answer, refused or cancelled, the
    /// call ends with that reason.
    public func originate(_ request: OutboundCallRequest, tenant tenantID: TenantID) async throws(OriginateError) -> OriginatedCall {
        let deps = dependencies
        guard inputs.withLock({ $0 }) != nil else { throw .unavailable("not_running") }
        var tenant = (try? await deps.directory.settings(for: tenantID)) ?? TenantSettings(id: tenantID)
        guard (tenant.allowedDestinations ?? configuration.allowedDestinations).allows(request.to) else {
            throw .destinationNotAllowed(request.to)
        }
        let callID = CallID.random()
        if let key = request.idempotencyKey, let earlier = try await claim(key, tenant: tenantID, callID: callID, request: request) {
            return earlier
        }
        if let refusal = refusal() { throw .unavailable(refusal) }
        guard reserveSlot(for: tenant) else { throw .tenantLimit(tenant.maxConcurrentCalls ?? 0) }

        tenant.language = request.language ?? tenant.language
        tenant.voice = request.voice ?? tenant.voice
        tenant.agentID = request.agentID ?? tenant.agentID
        let endpoint = (tenant.dialTemplate ?? configuration.outbound.dialTemplate).endpoint(for: request.to)
        let channelID = ChannelID("voicegw-o-\(callID)")
        var call = Call(
            id: callID, tenantID: tenantID, channelID: channelID, conversationID: .random(), direction: .outbound,
            callerNumber: request.from?.e164 ?? "", calleeNumber: request.to.e164, instanceID: configuration.instanceID,
            createdAt: deps.clock.now(), metadata: ["dial_endpoint": endpoint])
        call.agentID = tenant.agentID
        call.variables = request.variables
        call.sttProvider = deps.stt.name
        call.ttsProvider = deps.tts.name
        var logger = self.logger
        logger[metadataKey: "call.id"] = "\(callID)"
        logger[metadataKey: "tenant.id"] = "\(tenantID)"
        await store(call, logger: logger)

        // The handle is registered before Asterisk hears of the channel, so its events find the call.
        let handle = CallHandle(callID: callID, channelID: channelID, direction: .outbound, log: ConversationLog(id: call.conversationID, callID: callID))
        handle.isDialing = true
        register(handle)
        var plan = OutboundPlan(call: call, tenant: tenant, timeout: request.timeout)
        do {
            _ = try await deps.telephony.originate(OriginateRequest(
                endpoint: endpoint, callerID: request.from?.e164, timeout: request.timeout, arguments: ["outbound", callID.rawValue],
                channelID: channelID))
        } catch {
            logger.warning("originate refused", metadata: ["endpoint": "\(endpoint)", "error": "\(error)"])
            plan.refusal = error
        }
        guard start(.outbound(handle, plan)) else {
            unregister(handle)
            releaseSlot(of: tenantID)
            if plan.refusal == nil { try? await deps.telephony.hangup(channelID, cause: .normal) }
            // The service stopped meanwhile: the stored call must not stay ringing.
            await endStored(callID, reason: .shutdown, at: deps.clock.now(), logger: logger)
            throw .unavailable("shutting_down")
        }
        if let refusal = plan.refusal { throw .telephony(refusal) }
        logger.info("outbound call placed", metadata: ["to": "\(request.to)", "endpoint": "\(endpoint)"])
        return OriginatedCall(callID: callID, state: .ringing, replayed: false)
    }

    /// Claims the idempotency key; returns the call placed earlier under it, or nil when this request is
    /// the first. An unreachable shared store falls back to this instance's memory.
    private func claim(_ key: String, tenant: TenantID, callID: CallID, request: OutboundCallRequest) async throws(OriginateError) -> OriginatedCall? {
        let scoped = "\(tenant)/\(key)"
        let value = "\(callID)|\(request.fingerprint)"
        let ttl = configuration.outbound.idempotencyTTL
        let earlier: String?
        do {
            earlier = try await idempotency.claim(scoped, value: value, ttl: ttl)
        } catch {
            logger.warning("idempotency store unreachable; keys held in this instance only", metadata: ["error": "\(error)"])
            earlier = try? await localIdempotency.claim(scoped, value: value, ttl: ttl)
        }
        guard let earlier else { return nil }
        let parts = earlier.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, String(parts[1]) == request.fingerprint else { throw .idempotencyConflict }
        let id = CallID(String(parts[0]))
        let state = (try? await dependencies.repository.get(id))?.state ?? .ringing
        return OriginatedCall(callID: id, state: state, replayed: true)
    }

    /// Runs an outbound call from its originate to its cleanup: waits for the answer (or the reason
    /// there is none), then runs the conversation.
    func runOutbound(_ plan: OutboundPlan, handle: CallHandle) async {
        let call = plan.call
        var logger = self.logger
        logger[metadataKey: "call.id"] = "\(call.id)"
        logger[metadataKey: "channel.id"] = "\(call.channelID)"
        logger[metadataKey: "tenant.id"] = "\(call.tenantID)"
        defer { releaseSlot(of: call.tenantID) }
        let recorder = makeRecorder(for: call, logger: logger)
        metrics.callStarted(direction: .outbound)
        recorder.record(.callStarted, [
            "direction": .string(CallDirection.outbound.rawValue), "caller_number": .string(call.callerNumber),
            "callee_number": .string(call.calleeNumber), "channel_id": .string(call.channelID.rawValue),
        ])
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await recorder.run() }
            let result: DialResult
            if let refusal = plan.refusal {
                result = .ended(.dialFailed, cause: nil, error: "\(refusal)")
            } else {
                result = await awaitAnswer(handle, timeout: plan.timeout, logger: logger)
            }
            switch result {
            case .answered(let channel):
                handle.isDialing = false
                logger.info("outbound call answered")
                await runCall(call, channel: channel, tenant: plan.tenant, handle: handle, recorder: recorder, resuming: false, logger: logger,
                    recorderRunning: true) {}
            case .ended(let reason, let cause, let error):
                await endUnanswered(call, reason: reason, cause: cause, error: error, recorder: recorder, logger: logger)
                handle.log.close()
                recorder.finish()
            }
        }
    }

    /// How the dial of an outbound call ended.
    enum DialResult: Sendable {
        case answered(IncomingChannel)
        case ended(EndReason, cause: Int?, error: String?)
    }

    /// Waits until the callee answers or the dial ends: Asterisk reports busy, no answer or a failure
    /// (`ChannelDestroyed` and its cause), an operator cancels, the daemon shuts down, or Asterisk says
    /// nothing for the ring timeout plus `outboundOutcomeGrace` (the channel is then hung up: no answer).
    func awaitAnswer(_ handle: CallHandle, timeout: Duration, logger: Logger) async -> DialResult {
        let deps = dependencies
        let grace = configuration.outbound.outcomeGrace
        let result = await withTaskGroup(of: DialResult?.self) { group in
            group.addTask {
                for await signal in handle.signals {
                    switch signal {
                    case .answered(let channel): return .answered(channel)
                    case .destroyed(let cause, let status):
                        return .ended(DialOutcome.reason(cause: cause, dialStatus: status), cause: cause, error: status.map { "dial status \($0)" })
                    case .channelLeft: return .ended(.dialFailed, cause: nil, error: "the channel left before it was answered")
                    case .command(.hangUp):
                        logger.info("outbound call cancelled by an operator")
                        try? await deps.telephony.hangup(handle.channelID, cause: .normal)
                        return .ended(.canceled, cause: nil, error: nil)
                    case .shutdown, .closing:
                        try? await deps.telephony.hangup(handle.channelID, cause: .normal)
                        return .ended(.shutdown, cause: nil, error: nil)
                    case .hangupRequested, .digit, .command:
                        continue
                    }
                }
                return nil
            }
            group.addTask {
                guard (try? await deps.clock.sleep(for: timeout + grace)) != nil else { return nil }
                logger.warning("no dial outcome from Asterisk in time; hanging up")
                try? await deps.telephony.hangup(handle.channelID, cause: .normal)
                return .ended(.noAnswer, cause: nil, error: nil)
            }
            var outcome: DialResult = .ended(.shutdown, cause: nil, error: nil)
            for await result in group {
                guard let result else { continue }
                outcome = result
                break
            }
            group.cancelAll()
            return outcome
        }
        return result
    }

    /// Ends an outbound call that was never answered.
    private func endUnanswered(_ call: Call, reason: EndReason, cause: Int?, error: String?, recorder: CallEventRecorder, logger: Logger) async {
        let now = dependencies.clock.now()
        var data: [String: JSONValue] = ["reason": .string(reason.rawValue), "duration_ms": .int(now.duration(since: call.createdAt).milliseconds)]
        if let cause { data["hangup_cause"] = .int(Int64(cause)) }
        if let error { data["error"] = .string(error) }
        logger.info("outbound call not answered", metadata: ["reason": "\(reason)", "cause": "\(cause.map(String.init) ?? "-")"])
        await endStored(call.id, reason: reason, at: now, logger: logger)
        recorder.record(.callEnded, data)
        metrics.callEnded(direction: .outbound, reason: reason)
    }
}
