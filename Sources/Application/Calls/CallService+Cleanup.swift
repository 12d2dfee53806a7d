import Domain
import Logging

extension CallService {
    /// Undoes what the call set up and ends it, once, whatever happened. A media-only call
    /// (`viaTelephony` false) has no channel to hang up or transfer: closing its media ends it, and its
    /// media ending is the caller hanging up.
    func cleanUp(
        call: Call, channel: IncomingChannel, finish: Finish, resources: CallResources, recorder: CallEventRecorder,
        viaTelephony: Bool, logger: Logger
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
        case .hungUpByOperator: reason = .gatewayHangup
        case .answeringMachine(let leftMessage):
            reason = .answeringMachine
            data["left_message"] = .bool(leftMessage)
        case .failed(let message):
            reason = .error
            data["error"] = .string(message)
        case .conversation(.hangUp): reason = .gatewayHangup
        case .conversation(.mediaEnded) where !viaTelephony:
            reason = .callerHangup
        case .conversation(.mediaEnded):
            reason = .error
            data["error"] = "media ended"
        case .conversation(.cancelled), .conversation(.closed): reason = .shutdown
        case .conversation(.transfer(let request)):
            logger.warning("a dialplan AudioSocket call cannot be transferred; ending it", metadata: ["target": "\(request.target)"])
            reason = .error
            data["error"] = .string("transfer to \(request.target) needs ARI call control")
        case .conversation(.transferred(let request)):
            reason = .transferred
            hangUpCaller = false
            data["transfer_target"] = .string(request.target.description)
        }
        if !viaTelephony { hangUpCaller = false }

        await finishRecording(resources, into: &data, logger: logger)
        await resources.media?.close()
        if let attachment = resources.attachment { await deps.telephony.stopMedia(attachment) }
        if hangUpCaller {
            do { try await deps.telephony.hangup(channel.id, cause: .normal) } catch {
                logger.warning("hangup failed", metadata: ["error": "\(error)"])
            }
        }
        await resources.agent?.end()

        let ended = deps.clock.now()
        let stored = await endStored(call.id, reason: reason, at: ended, logger: logger)
        let duration = ended.duration(since: stored?.answeredAt ?? stored?.createdAt ?? call.createdAt)
        data["reason"] = .string(reason.rawValue)
        data["duration_ms"] = .int(duration.milliseconds)
        recorder.record(.callEnded, data)
        metrics.callEnded(direction: call.direction, reason: reason)
        logger.info("call ended", metadata: ["reason": "\(reason)", "duration_ms": "\(duration.milliseconds)"])
    }

    /// Stores a new call, logging (not failing the call) when the repository is unavailable.
    func store(_ call: Call, logger: Logger) async {
        dependencies.feed?.callChanged(call)
        do { try await dependencies.repository.save(call) } catch {
            logger.error("call state not stored", metadata: ["error": "\(error)"])
        }
    }

    /// Ends the stored call `id` with `reason` unless it is over already, and tells the live feed;
    /// returns the call as stored (nil when the call state cannot be written, which is logged).
    @discardableResult
    func endStored(_ id: CallID, reason: EndReason, at time: Timestamp, logger: Logger) async -> Call? {
        do {
            let (stored, _) = try await dependencies.repository.update(id) { stored in
                if !stored.state.isFinal { _ = try stored.end(reason: reason, at: time) }
            }
            dependencies.feed?.callChanged(stored)
            return stored
        } catch {
            logger.error("call state not updated at end", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// Applies a transition to the stored call and records `event` when it succeeds.
    func transition(
        _ id: CallID, _ event: CallEventType?, data: [String: JSONValue] = [:], logger: Logger, recorder: CallEventRecorder,
        _ body: @escaping @Sendable (inout Call) throws -> [CallDomainEvent]
    ) async {
        do {
            let (stored, _) = try await dependencies.repository.update(id, body)
            dependencies.feed?.callChanged(stored)
            if let event { recorder.record(event, data) }
        } catch {
            logger.error("call transition failed", metadata: ["error": "\(error)", "event": "\(event?.rawValue ?? "-")"])
        }
    }
}
