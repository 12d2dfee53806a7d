import Domain
import Logging

extension CallService {
    /// How the call ended, as seen from the conversation or from the telephony side.
    enum Finish: Sendable {
        case conversation(ConversationManager.Ending)
        case callerLeft(cause: Int?)
        /// An operator hung the call up.
        case hungUpByOperator
        /// An outbound call reached an answering machine.
        case answeringMachine(leftMessage: Bool)
        case shutdown
        case failed(String)
    }

    /// Runs one inbound call from `StasisStart` to cleanup.
    func runInbound(_ channel: IncomingChannel, handle: CallHandle) async {
        let deps = dependencies
        var logger = self.logger
        logger[metadataKey: "call.id"] = "\(handle.callID)"
        logger[metadataKey: "channel.id"] = "\(channel.id)"
        guard await claim(channel.id, logger: logger) else { return }

        let tenant: TenantSettings
        do throws(ProviderError) {
            tenant = try await deps.directory.tenant(forDialled: channel.extensionNumber, trunk: channel.trunk)
        } catch {
            logger.warning("no tenant for the dialled number", metadata: ["did": "\(channel.extensionNumber)", "error": "\(error)"])
            // bad_request: nobody owns the number; any other kind: the directory could not answer.
            await refuse(channel.id, reason: error.kind == .badRequest ? "unknown_number" : "directory_unavailable", logger: logger)
            return
        }
        logger[metadataKey: "tenant.id"] = "\(tenant.id)"
        guard reserveSlot(for: tenant) else {
            await refuse(channel.id, reason: "tenant_capacity", logger: logger)
            return
        }
        defer { releaseSlot(of: tenant.id) }

        var call = Call(
            id: handle.callID, tenantID: tenant.id, channelID: channel.id, conversationID: handle.log.snapshot.id,
            direction: .inbound, callerNumber: channel.callerNumber, calleeNumber: channel.extensionNumber,
            instanceID: configuration.instanceID, createdAt: deps.clock.now(),
            metadata: ["channel_name": channel.name, "context": channel.context])
        // Several Asterisks: the call is tagged with its server (its channel id is prefixed with it too).
        if !channel.server.isEmpty { call.metadata["asterisk_server"] = channel.server }
        call.agentID = tenant.agentID
        call.sttProvider = deps.stt.name
        call.ttsProvider = deps.tts.name
        let recorder = makeRecorder(for: call, logger: logger)
        await runCall(call, channel: channel, tenant: tenant, handle: handle, recorder: recorder, resuming: false, logger: logger) {
            await begin(call, recorder: recorder, logger: logger)
            logger.info("call started", metadata: ["caller": "\(call.callerNumber)", "did": "\(call.calleeNumber)"])
        }
    }

    /// Whether this instance handles the channel: true unless another instance sharing the application
    /// claimed it first. A claim store that cannot answer leaves the call to this instance (serving a
    /// call twice is caught by the claim on the next one; dropping it is not undone).
    func claim(_ channel: ChannelID, logger: Logger) async -> Bool {
        guard let claims = dependencies.claims else { return true }
        do {
            if try await claims.claim(channel, for: configuration.instanceID) { return true }
            metrics.channelClaimLost()
            logger.info("another instance claimed the channel first; leaving it")
            return false
        } catch {
            logger.warning("channel claim store unreachable; taking the call", metadata: ["error": "\(error)"])
            return true
        }
    }

    /// Stores a new call and publishes its `call.started`.
    func begin(_ call: Call, recorder: CallEventRecorder, logger: Logger) async {
        await store(call, logger: logger)
        metrics.callStarted(direction: call.direction)
        recorder.record(.callStarted, [
            "direction": .string(call.direction.rawValue), "caller_number": .string(call.callerNumber),
            "callee_number": .string(call.calleeNumber), "channel_id": .string(call.channelID.rawValue),
        ])
    }

    /// Runs a call whose document exists (or is stored by `prelude`) from its set-up to its cleanup,
    /// delivering its events meanwhile.
    func runCall(
        _ call: Call, channel: IncomingChannel, tenant: TenantSettings, handle: CallHandle, recorder: CallEventRecorder,
        resuming: Bool, logger: Logger, recorderRunning: Bool = false, prelude: () async -> Void
    ) async {
        await withTaskGroup(of: Void.self) { group in
            if !recorderRunning { group.addTask { await recorder.run() } }
            await prelude()
            if resuming, let history = call.history { handle.log.restore(history) }
            // Every turn joins the call's history in the call state, in order, so a restart resumes with it.
            group.addTask {
                for await line in handle.log.lines {
                    self.dependencies.feed?.line(line, of: call.id, tenant: call.tenantID)
                    await self.transition(call.id, nil, logger: logger, recorder: recorder) { call in
                        call.remember(line)
                        return []
                    }
                }
            }
            let resources = handle.resources
            let finish = await conduct(
                call, channel: channel, tenant: tenant, handle: handle, resources: resources, recorder: recorder, resuming: resuming,
                logger: logger)
            // Cleanup runs to completion even when the service is being cancelled.
            await Task {
                await self.cleanUp(
                    call: call, channel: channel, finish: finish, resources: resources, recorder: recorder, viaTelephony: handle.viaTelephony,
                    logger: logger)
            }.value
            if let bridged = resources.warmLeg { await superviseBridged(bridged, caller: channel.id, logger: logger) }
            handle.log.close()
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
        let (closing, close) = AsyncStream.makeStream(of: String.self)
        let (commands, command) = AsyncStream.makeStream(of: CallCommand.self)
        return await withTaskGroup(of: Finish?.self) { group in
            group.addTask {
                for await signal in handle.signals {
                    switch signal {
                    case .digit(let d) where self.isOptOut(d, of: handle):
                        await self.optOutOfRecording(call, handle: handle, by: "caller", logger: logger, recorder: recorder)
                    case .digit(let d):
                        digit.yield(d)  // recorded by the conversation, which knows whether it is a secret entry
                    case .hangupRequested(let cause, let soft):
                        logger.info("hangup requested", metadata: ["cause": "\(cause.map(String.init) ?? "-")", "soft": "\(soft)"])
                        if !soft { return .callerLeft(cause: cause) }
                    case .channelLeft where handle.resources.transferring:
                        continue  // the blind transfer took the channel: the conversation ends with it
                    case .channelLeft:
                        return .callerLeft(cause: nil)
                    case .destroyed(let cause, _):
                        return .callerLeft(cause: cause)
                    case .answered:
                        continue
                    case .shutdown:
                        return .shutdown
                    case .closing(let goodbye):
                        logger.info("drain deadline: closing the call")
                        close.yield(goodbye)
                    case .command(.hangUp):
                        logger.info("hung up by an operator")
                        return .hungUpByOperator
                    case .command(.stopRecording):
                        await self.optOutOfRecording(call, handle: handle, by: "operator", logger: logger, recorder: recorder)
                    case .command(let other):
                        logger.info("operator command", metadata: ["command": "\(other)"])
                        command.yield(other)
                    }
                }
                return nil
            }
            group.addTask {
                do {
                    let media = try await self.setUpMedia(
                        call, channel: channel, tenant: tenant, handle: handle, resources: resources, recorder: recorder,
                        resuming: resuming, logger: logger)
                    // A call under ARI control gets every key as ChannelDtmfReceived; the bridge also hands the
                    // key to an AudioSocket or chan_websocket media channel, which would make it twice. Only a
                    // media-only call (dialplan AudioSocket) takes its keys from the media stream.
                    let inBand = Task {
                        guard !handle.viaTelephony else { return }
                        for await d in media.digits {
                            if self.isOptOut(d, of: handle) {
                                await self.optOutOfRecording(call, handle: handle, by: "caller", logger: logger, recorder: recorder)
                            } else {
                                digit.yield(d)
                            }
                        }
                    }
                    defer { inBand.cancel() }

                    var context = AgentContext(
                        callID: call.id, conversationID: call.conversationID, tenantID: tenant.id, agentID: tenant.agentID,
                        callerNumber: call.callerNumber, calleeNumber: call.calleeNumber, language: tenant.language,
                        history: resuming ? call.history ?? [] : [])
                    context.variables = call.variables
                    var settings = self.configuration.conversation
                    if call.direction == .outbound, !resuming, !self.configuration.outbound.agentSpeaksFirst {
                        settings.calleeSpeaksFirst = self.configuration.outbound.calleeWait
                    }
                    settings.language = tenant.language
                    if let voice = tenant.voice { settings.voice = voice }
                    var transfer = self.configuration.transfer
                    self.configuration.lines.apply(to: &settings, &transfer, tenant: tenant.id, language: tenant.language)
                    let speech = self.speechProviders(for: tenant, settings: &settings, recorder: recorder)
                    if handle.viaTelephony, !resuming, self.records(tenant) {
                        await self.startRecording(
                            call, handle: handle, media: media, tts: speech.tts, settings: settings, logger: logger, recorder: recorder)
                    }
                    if call.direction == .outbound, !resuming, self.configuration.outbound.machineDetection != .off {
                        switch await self.screen(
                            call, media: media, tts: speech.tts, settings: settings, log: handle.log, recorder: recorder, logger: logger)
                        {
                        case .machine(let leftMessage): return .answeringMachine(leftMessage: leftMessage)
                        // The callee's hello was heard: the agent speaks now.
                        case .converse(greeted: true): settings.calleeSpeaksFirst = nil
                        case .converse(greeted: false): break
                        }
                    }
                    // The call is active once its agent is reached (a resumed call already is).
                    let activate = {
                        if !resuming {
                            await self.transition(call.id, nil, logger: logger, recorder: recorder) { try $0.activate(at: deps.clock.now()) }
                        }
                    }
                    let transfers = handle.viaTelephony
                        ? self.transferHandler(
                            for: call, channel: channel, tenant: tenant, handle: handle, tts: speech.tts, settings: settings, transfer: transfer,
                            recorder: recorder, logger: logger)
                        : nil
                    switch (deps.agents ?? AgentRoster(fallback: .turns(deps.agent))).choice(for: tenant.id) {
                    case .turns(let agent):
                        let conversation = try await agent.startConversation(context)
                        resources.agent = conversation
                        await activate()
                        let manager = ConversationManager(
                            media: media, stt: speech.stt, tts: speech.tts, agent: conversation, recorder: recorder, log: handle.log,
                            metrics: self.metrics, configuration: settings, clock: deps.clock, logger: logger)
                        return .conversation(
                            await manager.run(digits: digits, closing: closing, commands: commands, resuming: resuming, transfers: transfers))
                    case .speech(let agent):
                        let session = try await agent.connect(context, lineRate: media.offer.lineRate)
                        await activate()
                        let conversation = SpeechToSpeechConversation(
                            media: media, session: session, tts: speech.tts, provider: agent.name, recorder: recorder, log: handle.log,
                            metrics: self.metrics, configuration: settings, clock: deps.clock, logger: logger)
                        return .conversation(await conversation.run(digits: digits, closing: closing, commands: commands, transfers: transfers))
                    }
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
            close.finish()
            command.finish()
            return finish
        }
    }

    /// Answers the call and connects its media: over ARI (answer, a new media session, externalMedia
    /// and a bridge), or, for a call that arrived over media alone, the session it came with.
    private func setUpMedia(
        _ call: Call, channel: IncomingChannel, tenant: TenantSettings, handle: CallHandle, resources: CallResources,
        recorder: CallEventRecorder, resuming: Bool, logger: Logger
    ) async throws -> any MediaSession {
        let deps = dependencies
        if let media = handle.preconnected {
            resources.media = media
            await transition(call.id, .callAnswered, logger: logger, recorder: recorder) { try $0.answer(at: deps.clock.now()) }
            return media
        }
        if channel.isRinging { try await deps.telephony.answer(channel.id) }
        if resuming {
            let answered: CallEventType? = call.state == .ringing ? .callAnswered : nil
            await transition(call.id, answered, logger: logger, recorder: recorder) { try $0.resume(at: deps.clock.now()) }
        } else {
            await transition(call.id, .callAnswered, logger: logger, recorder: recorder) { try $0.answer(at: deps.clock.now()) }
        }

        let transport = tenant.transport ?? configuration.defaultTransport
        let media = try await deps.media.openSession(for: call.id, transport: transport)
        resources.media = media
        let attachment = try await deps.telephony.startMedia(for: channel.id, session: media)
        resources.attachment = attachment
        // Recorded so that a restarted daemon knows these are in use (or leftovers).
        await transition(call.id, nil, logger: logger, recorder: recorder) {
            CallMediaReference.record(attachment, in: &$0)
            return []
        }
        return media
    }
}
