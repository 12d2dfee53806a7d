import Domain

extension CallService {
    /// Carries out `command` on the live call `id` of `tenant`, handled by this instance (a hangup of a
    /// ringing outbound call cancels it; other commands wait for the answer). An external
    /// transfer target must be allowed by the tenant's `allowed_destinations`, else `calls.allowed_destinations`.
    public func perform(_ command: CallCommand, on id: CallID, tenant: TenantID) async throws(CallCommandError) {
        if case .transfer(let request) = command, case .external(let number) = request.target, !(await destinations(of: tenant)).allows(number) {
            throw .destinationNotAllowed(number)
        }
        let handle = try await liveHandle(id, tenant: tenant)
        if handle.isDialing, command != .hangUp { throw .notAnswered }
        if case .stopRecording = command, handle.resources.recording.map({ $0.optedOut }) ?? true {
            throw .unsupported("the call is not being recorded")
        }
        if case .transfer = command, !handle.viaTelephony {
            throw .unsupported("a dialplan AudioSocket call cannot be transferred")
        }
        handle.send(.command(command))
    }

    /// Plays `digits` (0-9, *, #, A-D) to the far end of the live call `id` of `tenant`.
    public func sendDTMF(_ digits: String, to id: CallID, tenant: TenantID) async throws(CallCommandError) {
        let handle = try await liveHandle(id, tenant: tenant)
        if handle.isDialing { throw .notAnswered }
        guard handle.viaTelephony else { throw .unsupported("a dialplan AudioSocket call cannot be sent DTMF") }
        do {
            try await dependencies.telephony.sendDTMF(digits, to: handle.channelID)
        } catch {
            throw .telephony(error)
        }
    }

    /// The tenant's destination policy, else the daemon's (also when the directory cannot be read).
    private func destinations(of tenant: TenantID) async -> DestinationPolicy {
        let settings = try? await dependencies.directory.settings(for: tenant)
        return settings?.allowedDestinations ?? configuration.allowedDestinations
    }

    /// The handle of a live call of `tenant` on this instance, or why there is none.
    private func liveHandle(_ id: CallID, tenant: TenantID) async throws(CallCommandError) -> CallHandle {
        let stored: Call?
        do { stored = try await dependencies.repository.get(id) } catch { throw .unavailable }
        guard let call = stored, call.tenantID == tenant else { throw .notFound }
        guard call.state.isLive else { throw .notLive }
        guard let handle = calls.withLock({ $0.values.first { $0.callID == id } }) else {
            throw call.instanceID == configuration.instanceID ? .notLive : .elsewhere(call.instanceID)
        }
        return handle
    }
}
