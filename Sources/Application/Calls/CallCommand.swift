import Domain

/// What an operator can tell a live call to do (the management API's commands).
public enum CallCommand: Sendable, Hashable {
    /// End the call now.
    case hangUp
    /// Say `text` in the daemon's voice: at once, cutting what is playing (`interrupt`), or after it.
    case say(String, interrupt: Bool)
    /// Hand the caller on (the same path as an agent's transfer).
    case transfer(TransferRequest)
    /// Stop recording the call and delete what was recorded (the caller opted out).
    case stopRecording
}

/// Why a command was not carried out.
public enum CallCommandError: Error, Sendable, Hashable {
    /// No such call for the tenant (or another tenant's: the same answer).
    case notFound
    /// The call is over.
    case notLive
    /// An outbound call still ringing: only a hangup (which cancels it) applies.
    case notAnswered
    /// The call is live but handled by another instance (`instanceID`).
    case elsewhere(InstanceID)
    /// The call is not under ARI control (a dialplan AudioSocket call cannot be transferred or sent DTMF).
    case unsupported(String)
    /// The telephony server refused.
    case telephony(ProviderError)
    /// The call state cannot be read.
    case unavailable
    /// The destination is not in `calls.allowed_destinations`.
    case destinationNotAllowed(PhoneNumber)
}

/// The commands side of the operator API (the call service; a fake in route tests).
public protocol CallCommands: Sendable {
    /// Carries out `command` on the live call `id` of `tenant`.
    func perform(_ command: CallCommand, on id: CallID, tenant: TenantID) async throws(CallCommandError)
    /// Plays `digits` to the far end of the live call `id` of `tenant`.
    func sendDTMF(_ digits: String, to id: CallID, tenant: TenantID) async throws(CallCommandError)
    /// Places an outbound call for `tenant`.
    func originate(_ request: OutboundCallRequest, tenant: TenantID) async throws(OriginateError) -> OriginatedCall
}

extension CallService: CallCommands {}
