import Domain
import Logging

extension CallService {
    /// Sends a call the daemon will not take back to the dialplan with `VOICEGW_REFUSED` set to
    /// `reason`, so the PBX can route it (another instance, a queue, a message); hangs up (congestion)
    /// only when that fails. Counted in `voicegw_calls_rejected_total{reason}`.
    func refuse(_ channel: ChannelID, reason: String, logger: Logger) async {
        metrics.callRejected(reason: reason)
        logger.warning("call refused: back to the dialplan", metadata: ["channel.id": "\(channel)", "reason": "\(reason)"])
        do { try await dependencies.telephony.returnToDialplan(channel, reason: reason) } catch {
            logger.warning("could not return the call to the dialplan; hanging up", metadata: ["channel.id": "\(channel)", "error": "\(error)"])
            try? await dependencies.telephony.hangup(channel, cause: .congestion)
        }
    }

    /// Takes one of `tenant`'s call slots; false when the tenant is at its `maxConcurrentCalls`.
    func reserveSlot(for tenant: TenantSettings) -> Bool {
        tenantCalls.withLock { counts in
            let live = counts[tenant.id, default: 0]
            if let limit = tenant.maxConcurrentCalls, live >= limit { return false }
            counts[tenant.id] = live + 1
            return true
        }
    }

    /// Gives back a slot taken with `reserveSlot`.
    func releaseSlot(of tenant: TenantID) {
        tenantCalls.withLock { counts in
            let left = counts[tenant, default: 1] - 1
            counts[tenant] = left > 0 ? left : nil
        }
    }
}
