import Application
import Domain
import Synchronization

/// Records the commands the routes hand on; answers with `failure` when set.
final class RecordedCommands: CallCommands {
    let seen = Mutex<[String]>([])
    let failure: CallCommandError?
    init(failure: CallCommandError? = nil) { self.failure = failure }
    func perform(_ command: CallCommand, on id: CallID, tenant: TenantID) async throws(CallCommandError) {
        if let failure { throw failure }
        seen.withLock { $0.append("\(tenant) \(id) \(command)") }
    }
    func sendDTMF(_ digits: String, to id: CallID, tenant: TenantID) async throws(CallCommandError) {
        if let failure { throw failure }
        seen.withLock { $0.append("\(tenant) \(id) dtmf \(digits)") }
    }
    func originate(_ request: OutboundCallRequest, tenant: TenantID) async throws(OriginateError) -> OriginatedCall {
        seen.withLock { $0.append("\(tenant) originate \(request.to) \(request.idempotencyKey ?? "-")") }
        return OriginatedCall(callID: "out-1", state: .ringing, replayed: request.idempotencyKey == "seen-before")
    }
}

/// Refuses every originate with `error`.
struct RefusingCommands: CallCommands {
    let error: OriginateError
    func perform(_ command: CallCommand, on id: CallID, tenant: TenantID) async throws(CallCommandError) {}
    func sendDTMF(_ digits: String, to id: CallID, tenant: TenantID) async throws(CallCommandError) {}
    func originate(_ request: OutboundCallRequest, tenant: TenantID) async throws(OriginateError) -> OriginatedCall { throw error }
}
