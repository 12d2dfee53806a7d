import Domain
import Logging

extension CallService {
    /// Takes over a call its instance left behind (a dead peer's, or this instance's own under another
    /// application): the repository's optimistic update makes it this instance's only if it is still
    /// live and still the old owner's, so of several live instances exactly one wins. The winner resumes
    /// it; a channel in another application is moved into this one first and resumed when it enters.
    /// False when it failed (the next reconciliation retries).
    func takeOver(_ call: Call, on channel: ChannelSnapshot, input: AsyncStream<Input>.Continuation) async -> Bool {
        let deps = dependencies
        let me = configuration.instanceID
        var logger = self.logger
        logger[metadataKey: "call.id"] = "\(call.id)"
        logger[metadataKey: "channel.id"] = "\(channel.id)"
        let current: Call
        do {
            let (stored, won) = try await deps.repository.update(call.id) { stored -> Bool in
                guard stored.state.isLive, stored.instanceID == call.instanceID else { return false }
                stored.instanceID = me
                return true
            }
            guard won else {
                logger.info("another instance took the call over first")
                return true
            }
            current = stored
        } catch {
            logger.warning("could not take the call over", metadata: ["error": "\(error)"])
            return false
        }
        takenOn.withLock { _ = $0.insert(call.id) }
        metrics.reconciled("taken_over")
        logger.notice("taking over a call left behind", metadata: ["from": "\(call.instanceID)"])
        if channel.inApplication {
            input.yield(.resume(current, channel))
            return true
        }
        adoptions.withLock { $0[channel.id] = current }
        do {
            try await deps.telephony.adopt(channel.id)
        } catch {
            adoptions.withLock { _ = $0.removeValue(forKey: channel.id) }
            logger.warning("could not move the channel into this application; ending the call", metadata: ["error": "\(error)"])
            return await endAbandoned(current, hangUp: true)
        }
        return true
    }

    /// A channel moved into this application by `takeOver` entered it: the call it belongs to, which
    /// is then resumed. Nil for a channel nobody here moved (a restart in between: the next
    /// reconciliation finds the call, now this instance's, and resumes it).
    func adopted(_ channel: IncomingChannel) -> (Call, ChannelSnapshot)? {
        guard let call = adoptions.withLock({ $0.removeValue(forKey: channel.id) }) else { return nil }
        return (call, ChannelSnapshot(id: channel.id, name: channel.name, state: channel.state, inApplication: true, isDaemonMedia: false))
    }
}
