import Domain
import Logging

extension CallService {
    /// How the call ended, as seen from the conversation or from the telephony side.
    enum Finish: Sendable {
        case conversation(ConversationManager.Ending)
        case callerLeft(cause: Int?)
        case shutdown
        case failed(String)
    }

    /// Runs one inbound call from `StasisStart` to cleanup.
    func runInbound(_ channel: IncomingChannel, handle: CallHandle) async {
        let deps = dependencies
        var logger = self.logger
        logger[metadataKey: "call.id"] = "\(handle.callID)"
        logger[metadataKey: "channel.id"] = "\(channel.id)"

        let tenant: TenantSettings
        do {
            tenant = try await deps.directory.tenant(forDialled: channel.extensionNumber, trunk: nil)
        } catch {
            logger.warning("no tenant for the dialled number; refusing the call", metadata: ["did": "\(channel.extensionNumber)", "error": "\(error)"])
            metrics.callRejected(reason: "unknown_number")
            try? await deps.telephony.hangup(channel.id, cause: HangupCause(rawValue: 1))
            return
        }
        logger[metadataKey: "tenant.id"] = "\(tenant.id)"

        var call = Call(
            id: handle.callID, tenantID: tenant.id, channelID: channel.id, conversationID: handle.log.snapshot.id,
            direction: .inbound, callerNumber: channel.callerNumber, calleeNumber: channel.extensionNumber,
            instanceID: configuration.instanceID, createdAt: deps.clock.now(),
            metadata: ["channel_name": channel.name, "context": channel.context])
        call.agentID = tenant.agentID
        call.sttProvider = deps.stt.name
        call.ttsProvider = deps.tts.name
        let recorder = makeRecorder(for: call, logger: logger)
        await runCall(call, channel: channel, tenant: tenant, handle: handle, recorder: recorder, resuming: false, logger: logger) {
            await store(call, logger: logger)
            metrics.callStarted(direction: .inbound)
            recorder.record(.callStarted, [
                "direction": "inbound", "caller_number": .string(call.callerNumber),
                "callee_number": .string(call.calleeNumber), "channel_id": .string(channel.id.rawValue),
            ])
            logger.info("call started", metadata: ["caller": "\(call.callerNumber)", "did": "\(call.calleeNumber)"])
        }
    }

    /// Runs a call whose document exists (or is stored by `prelude`) from its set-up to its cleanup,
    /// delivering its events meanwhile.
    func runCall(
        _ call: Call, channel: IncomingChannel, tenant: TenantSettings, handle: CallHandle, recorder: CallEventRecorder,
        resuming: Bool, logger: Logger, prelude: () async -> Void
    ) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await recorder.run() }
            await prelude()
            let resources = handle.resources
            let finish = await conduct(
                call, channel: channel, tenant: tenant, handle: handle, resources: resources, recorder: recorder, resuming: resuming,
                logger: logger)
            // Cleanup runs to completion even when the service is being cancelled.
            await Task {
                await self.cleanUp(call: call, channel: channel, finish: finish, resources: resources, recorder: recorder, logger: logger)
            }.value
            recorder.finish()
        }
    }

    /// The event recorder of `call`: numbers continue above what the call document reserved, and
    /// each block of numbers is reserved in the document before use.
    func makeRecorder(for call: Call, logger: Logger) -> CallEventRecorder {
        let repository = dependencies.repository
        let id = call.id
        return CallEventRecorder(
            identity: .init(tenantID: call.tenantID, callID: call.id, conversationID: call.conversationID, instanceID: configuration.instanceID),
            publisher: dependencies.publisher, clock: dependencies.clock, logger: logger, startingAfter: call.eventSequence ?? 0,
            reservation: .init { mark in
                do {
                    _ = try await repository.update(id) { $0.eventSequence = max($0.eventSequence ?? 0, mark) }
                } catch {
                    logger.warning("event sequence not reserved in the call state", metadata: ["error": "\(error)"])
                }
            })
    }

    /// Answers, connects media and runs the conversation, racing the telephony signals of the call.
    private func conduct(
        _ call: Call, channel: IncomingChannel, tenant: TenantSettings, handle: CallHandle,
        resources: CallResources, recorder: CallEventRecorder, resuming: Bool, logger: Logger
    ) async -> Finish {
        let deps = dependencies
        let (digits, digit) = AsyncStream.makeStream(of: String.self)
        return await withTaskGroup(of: Finish?.self) { group in
            group.addTask {
                for await signal in handle.signals {
                    switch signal {
                    case .digit(let d):
                        recorder.record(.dtmfReceived, ["digit": .string(d)])
                        digit.yield(d)
                    case .hangupRequested(let cause, let soft):
                        logger.info("hangup requested", metadata: ["cause": "\(cause.map(String.init) ?? "-")", "soft": "\(soft)"])
                        if !soft { return .callerLeft(cause: cause) }
                    case .channelLeft:
                        return .callerLeft(cause: nil)
                    case .shutdown:
                        return .shutdown
                    }
                }
                return nil
            }
            group.addTask {
                do {
                    if channel.isRinging { try await deps.telephony.answer(channel.id) }
                    if resuming {
                        let answered: CallEventType? = call.state == .ringing ? .callAnswered : nil
                        await self.transition(call.id, answered, logger: logger, recorder: recorder) { try $0.resume(at: deps.clock.now()) }
                    } else {
                        await self.transition(call.id, .callAnswered, logger: logger, recorder: recorder) { try $0.answer(at: deps.clock.now()) }
                    }

                    let transport = tenant.transport ?? self.configuration.defaultTransport
                    let media = try await deps.media.openSession(for: call.id, transport: transport)
                    resources.media = media
                    let attachment = try await deps.telephony.startMedia(for: channel.id, offer: media.offer)
                    resources.attachment = attachment
                    // Recorded so that a restarted daemon knows these are in use (or leftovers).
                    await self.transition(call.id, nil, logger: logger, recorder: recorder) {
                        CallMediaReference.record(attachment, in: &$0)
                        return []
                    }
                    try await media.connect(attachment)
                    // Digits carried in the media stream (AudioSocket, chan_websocket) join the ARI ones.
                    let inBand = Task {
                        for await d in media.digits {
                            recorder.record(.dtmfReceived, ["digit": .string(d)])
                            digit.yield(d)
                        }
                    }
                    defer { inBand.cancel() }

                    let conversation = try await deps.agent.startConversation(AgentContext(
                        callID: call.id, conversationID: call.conversationID, tenantID: tenant.id, agentID: tenant.agentID,
                        callerNumber: call.callerNumber, calleeNumber: call.calleeNumber, language: tenant.language))
                    resources.agent = conversation
                    if !resuming {
                        await self.transition(call.id, nil, logger: logger, recorder: recorder) { try $0.activate(at: deps.clock.now()) }
                    }

                    var settings = self.configuration.conversation
                    settings.language = tenant.language
                    if let voice = tenant.voice { settings.voice = voice }
                    let speech = self.speechProviders(for: tenant, settings: &settings, recorder: recorder)
                    let manager = ConversationManager(
                        media: media, stt: speech.stt, tts: speech.tts, agent: conversation, recorder: recorder, log: handle.log,
                        metrics: self.metrics, configuration: settings, clock: deps.clock, logger: logger)
                    return .conversation(await manager.run(digits: digits, resuming: resuming))
                } catch {
                    if Task.isCancelled { return nil }
                    logger.error("call set-up failed", metadata: ["error": "\(error)"])
                    return .failed("\(error)")
                }
            }
            var finish: Finish = .failed("no outcome")
            for await result in group {
                guard let result else { continue }
                finish = result
                break
            }
            group.cancelAll()
            digit.finish()
            return finish
        }
    }

    /// Undoes what the call set up and ends it, once, whatever happened.
    private func cleanUp(
        call: Call, channel: IncomingChannel, finish: Finish, resources: CallResources, recorder: CallEventRecorder, logger: Logger
    ) async {
        let deps = dependencies
        var reason: EndReason
        var hangUpCaller = true
        var data: [String: JSONValue] = [:]
        switch finish {
        case .callerLeft(let cause):
            reason = .callerHangup
            hangUpCaller = false
            if let cause { data["hangup_cause"] = .int(Int64(cause)) }
        case .shutdown: reason = .shutdown
        case .failed(let message):
            reason = .error
            data["error"] = .string(message)
        case .conversation(.hangUp): reason = .gatewayHangup
        case .conversation(.mediaEnded):
            reason = .error
            data["error"] = "media ended"
        case .conversation(.cancelled): reason = .shutdown
        case .conversation(.transfer(let target)):
            reason = .transferred
            data["transfer_target"] = .string(target.description)
        }

        await resources.media?.close()
        if let attachment = resources.attachment { await deps.telephony.stopMedia(attachment) }
        if case .conversation(.transfer(let target)) = finish {
            do {
                await transition(call.id, nil, logger: logger, recorder: recorder) { try $0.beginTransfer(to: target, at: deps.clock.now()) }
                try await deps.telephony.transfer(channel.id, to: target)
                hangUpCaller = false
                await transition(call.id, .callTransferred, data: ["target": .string(target.description)], logger: logger, recorder: recorder) {
                    try $0.completeTransfer(at: deps.clock.now())
                }
            } catch {
                logger.error("transfer failed; hanging up", metadata: ["error": "\(error)"])
                reason = .error
                data["error"] = .string("transfer failed: \(error)")
            }
        }
        if hangUpCaller {
            do { try await deps.telephony.hangup(channel.id, cause: .normal) } catch {
                logger.warning("hangup failed", metadata: ["error": "\(error)"])
            }
        }
        await resources.agent?.end()

        let ended = deps.clock.now()
        var duration = ended.duration(since: call.createdAt)
        let finalReason = reason
        do {
            let (stored, _) = try await deps.repository.update(call.id) { stored in
                if !stored.state.isFinal { _ = try stored.end(reason: finalReason, at: ended) }
            }
            duration = ended.duration(since: stored.answeredAt ?? stored.createdAt)
        } catch {
            logger.error("call state not updated at end", metadata: ["error": "\(error)"])
        }
        data["reason"] = .string(reason.rawValue)
        data["duration_ms"] = .int(duration.milliseconds)
        recorder.record(.callEnded, data)
        metrics.callEnded(direction: call.direction, reason: reason)
        logger.info("call ended", metadata: ["reason": "\(reason)", "duration_ms": "\(duration.milliseconds)"])
    }

    /// Stores a new call, logging (not failing the call) when the repository is unavailable.
    private func store(_ call: Call, logger: Logger) async {
        do { try await dependencies.repository.save(call) } catch {
            logger.error("call state not stored", metadata: ["error": "\(error)"])
        }
    }

    /// Applies a transition to the stored call and records `event` when it succeeds.
    func transition(
        _ id: CallID, _ event: CallEventType?, data: [String: JSONValue] = [:], logger: Logger, recorder: CallEventRecorder,
        _ body: @escaping @Sendable (inout Call) throws -> [CallDomainEvent]
    ) async {
        do {
            _ = try await dependencies.repository.update(id, body)
            if let event { recorder.record(event, data) }
        } catch {
            logger.error("call transition failed", metadata: ["error": "\(error)", "event": "\(event?.rawValue ?? "-")"])
        }
    }
}
