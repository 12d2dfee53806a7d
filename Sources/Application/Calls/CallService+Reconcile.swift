import Domain
import Logging

extension CallService {
    /// Brings the stored calls and the telephony server into agreement (`ReconciliationPlan`): resumes
    /// or ends the calls a previous process or a dead instance left behind, delivers hangups missed
    /// while disconnected and deletes leftover media channels and bridges. Runs on start (the first
    /// connection), on every reconnection and periodically; never two at once. A failure (server or
    /// repository unreachable) is logged and retried at the next occasion.
    func reconcile(input: AsyncStream<Input>.Continuation) async {
        let started = reconciling.withLock { running -> Bool in
            if running { return false }
            running = true
            return true
        }
        guard started else { return }
        defer { reconciling.withLock { $0 = false } }
        let deps = dependencies
        let me = configuration.instanceID
        // A repository serving from its outage cache does not know the other instances' calls: their
        // media would look like leftovers. Wait for the real thing.
        if let health = deps.repository as? any HealthReporting, case let state = await health.dependencyState(), state == .degraded || state == .disconnected {
            logger.notice("reconciliation postponed while the call state is \(state.rawValue)")
            return
        }
        do {
            let running = calls.withLock { $0 }
            let liveStates = Set(CallState.allCases.filter(\.isLive))
            let live = try await deps.repository.list(CallFilter(states: liveStates, limit: 1_000_000))
            let takenOn = self.takenOn.withLock { $0 }
            var dead: Set<InstanceID> = []
            if let registry = deps.registry {
                // Every known instance, not only those with live calls: a dead one's media is cleaned up too.
                for peer in try await registry.knownInstances() where peer != me {
                    if try await !registry.isAlive(peer) { dead.insert(peer) }
                }
            }
            let inventory = try await deps.telephony.inventory()
            let facts = ReconciliationPlan.Facts(
                liveCalls: live, instance: me, deadInstances: dead, takenOn: takenOn,
                // Media-only calls have no channel in Asterisk to miss; a ringing outbound channel is not
                // in the application yet.
                running: Set(running.filter { $0.value.viaTelephony && !$0.value.isDialing }.keys),
                runningMedia: running.values.reduce(into: Set<String>()) { $0.formUnion($1.resources.mediaIDs) },
                inventory: inventory, now: deps.clock.now())
            let actions = ReconciliationPlan.make(facts, rules: .init(reattach: configuration.reattach, orphanGrace: configuration.orphanGrace))
            if !actions.isEmpty { logger.notice("reconciling with the telephony server", metadata: ["actions": "\(actions.count)"]) }
            var unfinished: Set<InstanceID> = []
            for action in actions {
                if await !perform(action, running: running, input: input) {
                    switch action {
                    case .end(let call, _), .takeOver(let call, _): unfinished.insert(call.instanceID)
                    case .deleteMediaChannel, .deleteBridge, .resume, .channelLeft: break
                    }
                }
            }
            // Forget the dead instances once all their calls are ended (the next pass retries the rest).
            if let registry = deps.registry {
                for peer in dead.subtracting(unfinished) {
                    try await registry.remove(peer)
                    logger.notice("took over the calls of a dead instance", metadata: ["instance": "\(peer)"])
                }
            }
            // Ids of calls that are neither stored as live (resumed ones are) nor running here will not come back.
            let keep = Set(live.map(\.id)).union(calls.withLock { $0.values.map(\.callID) })
            self.takenOn.withLock { $0.formIntersection(keep) }
        } catch {
            logger.warning("reconciliation failed; retrying at the next check", metadata: ["error": "\(error)"])
        }
    }

    /// Performs one action; false when it failed.
    private func perform(_ action: ReconciliationPlan.Action, running: [ChannelID: CallHandle], input: AsyncStream<Input>.Continuation) async -> Bool {
        let telephony = dependencies.telephony
        switch action {
        case .resume(let call, let channel):
            takenOn.withLock { _ = $0.insert(call.id) }
            metrics.reconciled("resumed")
            input.yield(.resume(call, channel))
            return true
        case .takeOver(let call, let channel):
            return await takeOver(call, on: channel, input: input)
        case .end(let call, let hangUp):
            return await endAbandoned(call, hangUp: hangUp)
        case .channelLeft(let channel):
            metrics.reconciled("missed_hangup")
            logger.notice("a call's channel left while events were missed", metadata: ["channel.id": "\(channel)"])
            running[channel]?.send(.channelLeft)
            return true
        case .deleteMediaChannel(let channel):
            do { try await telephony.hangup(channel, cause: .normal) } catch {
                logger.warning("leftover media channel not deleted", metadata: ["channel.id": "\(channel)", "error": "\(error)"])
                return false
            }
            metrics.reconciled("media_deleted")
            logger.notice("deleted a leftover media channel", metadata: ["channel.id": "\(channel)"])
            return true
        case .deleteBridge(let bridge):
            do { try await telephony.deleteBridge(bridge) } catch {
                logger.warning("leftover bridge not deleted", metadata: ["bridge.id": "\(bridge)", "error": "\(error)"])
                return false
            }
            metrics.reconciled("bridge_deleted")
            logger.notice("deleted a leftover bridge", metadata: ["bridge.id": "\(bridge)"])
            return true
        }
    }

    /// Ends a call nobody runs any more with reason `gateway_restart`, once: hangs its channel up if
    /// asked, stores the end and publishes `call.ended` numbered after the call's earlier events.
    func endAbandoned(_ call: Call, hangUp: Bool) async -> Bool {
        let deps = dependencies
        var logger = self.logger
        logger[metadataKey: "call.id"] = "\(call.id)"
        logger[metadataKey: "channel.id"] = "\(call.channelID)"
        if hangUp {
            do { try await deps.telephony.hangup(call.channelID, cause: .normal) } catch {
                logger.warning("could not hang up a call left behind", metadata: ["error": "\(error)"])
                return false
            }
        }
        let ended = deps.clock.now()
        let stored: Call
        do {
            let (after, didEnd) = try await deps.repository.update(call.id) { stored -> Bool in
                guard !stored.state.isFinal else { return false }
                _ = try stored.end(reason: .gatewayRestart, at: ended)
                return true
            }
            guard didEnd else { return true }  // someone else ended it
            stored = after
            deps.feed?.callChanged(after)
        } catch {
            logger.warning("could not end a call left behind", metadata: ["error": "\(error)"])
            return false
        }
        let recorder = makeRecorder(for: stored, logger: logger)
        let duration = ended.duration(since: stored.answeredAt ?? stored.createdAt)
        recorder.record(.callEnded, ["reason": .string(EndReason.gatewayRestart.rawValue), "duration_ms": .int(duration.milliseconds)])
        recorder.finish()
        await recorder.run()
        metrics.abandonedCallEnded(direction: call.direction, reason: .gatewayRestart)
        metrics.reconciled("ended")
        logger.notice("ended a call left behind", metadata: ["reason": "gateway_restart", "hung_up": "\(hangUp)"])
        return true
    }

    /// Runs a call a previous process left behind on its surviving channel: new media, the same
    /// conversation id, the resume line instead of the greeting.
    func runResumed(_ call: Call, channel: ChannelSnapshot, handle: CallHandle) async {
        let deps = dependencies
        var logger = self.logger
        logger[metadataKey: "call.id"] = "\(call.id)"
        logger[metadataKey: "channel.id"] = "\(channel.id)"
        logger[metadataKey: "tenant.id"] = "\(call.tenantID)"
        let current: Call
        let tenant: TenantSettings
        do {
            // The stored call may have moved on since the plan was made.
            guard let stored = try await deps.repository.get(call.id), stored.state.isLive else { return }
            current = stored
            tenant = try await deps.directory.settings(for: call.tenantID)
        } catch {
            logger.error("cannot resume the call; ending it", metadata: ["error": "\(error)"])
            _ = await endAbandoned(call, hangUp: true)
            return
        }
        let recorder = makeRecorder(for: current, logger: logger)
        let incoming = IncomingChannel(
            id: channel.id, name: channel.name, state: channel.state, callerNumber: current.callerNumber,
            extensionNumber: current.calleeNumber, context: current.metadata["context"] ?? "")
        await runCall(current, channel: incoming, tenant: tenant, handle: handle, recorder: recorder, resuming: true, logger: logger) {
            metrics.callResumed()
            logger.notice("call resumed after a restart")
        }
    }
}
