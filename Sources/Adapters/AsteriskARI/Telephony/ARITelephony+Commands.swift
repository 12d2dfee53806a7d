import Domain
import Foundation

extension ARITelephony {
    public func answer(_ channel: ChannelID) async throws(ProviderError) {
        try await rest.expectSuccess(.POST, "channels/\(channel)/answer")
    }

    public func hangup(_ channel: ChannelID, cause: HangupCause) async throws(ProviderError) {
        let response = try await rest.send(.DELETE, "channels/\(channel)", query: [("reason_code", "\(cause.rawValue)")])
        if response.status == 404 { return }  // already gone
        try ARIRESTClient.check(response, "DELETE channels/\(channel)")
    }

    public func play(_ media: String, on channel: ChannelID) async throws(ProviderError) {
        let id = "voicegw-p-\(UUIDv4.random())"
        try await rest.expectSuccess(.POST, "channels/\(channel)/play", query: [("media", media), ("playbackId", id)])
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state in
                if state.finishedPlaybacks.remove(id) != nil { return true }
                state.playbackWaiters[id] = waiter
                return false
            }
            if done { waiter.resume() }
        }
    }

    public func sendDTMF(_ digits: String, to channel: ChannelID) async throws(ProviderError) {
        guard !digits.isEmpty, digits.allSatisfy({ "0123456789*#ABCDabcd".contains($0) }) else {
            throw ProviderError(.badRequest, provider: "ari", "not DTMF digits: \(digits)")
        }
        try await rest.expectSuccess(.POST, "channels/\(channel)/dtmf", query: [("dtmf", digits)])
    }

    /// Sets `variables` on the channel (`POST /channels/{id}/variable`, in name order), then continues it
    /// in the transfer context at the target's extension (queue name, internal extension or E.164
    /// number); the dialplan there does the actual Dial/Queue.
    public func transfer(_ channel: ChannelID, to target: TransferTarget, variables: [String: String]) async throws(ProviderError) {
        for (name, value) in variables.sorted(by: { $0.key < $1.key }) {
            try await rest.expectSuccess(.POST, "channels/\(channel)/variable", query: [("variable", name), ("value", value)])
        }
        try await rest.expectSuccess(.POST, "channels/\(channel)/continue", query: [
            ("context", configuration.transferContext), ("extension", target.dialplanExtension), ("priority", "1"),
        ])
    }

    /// `POST /bridges` (mixing, id `id`) then `POST /bridges/{id}/addChannel` with both channels.
    public func bridge(_ channels: [ChannelID], as id: BridgeID) async throws(ProviderError) {
        try await rest.expectSuccess(.POST, "bridges", query: [("type", "mixing"), ("bridgeId", id.rawValue), ("name", "voicegw-transfer")])
        do {
            try await rest.expectSuccess(.POST, "bridges/\(id)/addChannel", query: [("channel", channels.map(\.rawValue).joined(separator: ","))])
        } catch {
            _ = try? await rest.send(.DELETE, "bridges/\(id)")
            throw error
        }
    }

    /// `POST /bridges/{id}/record` (no beep, fail if the name exists, never ended by a key).
    public func startRecording(_ bridge: BridgeID, name: String, format: String) async throws(ProviderError) {
        try await rest.expectSuccess(.POST, "bridges/\(bridge)/record", query: [
            ("name", name), ("format", format), ("ifExists", "fail"), ("beep", "false"), ("terminateOn", "none"),
        ])
    }

    /// `POST /recordings/live/{name}/stop`, or `DELETE /recordings/live/{name}` to discard it.
    public func stopRecording(_ name: String, discard: Bool) async throws(ProviderError) {
        let response = discard
            ? try await rest.send(.DELETE, "recordings/live/\(name)") : try await rest.send(.POST, "recordings/live/\(name)/stop")
        if response.status == 404 { return }  // already over
        try ARIRESTClient.check(response, discard ? "DELETE recordings/live/\(name)" : "POST recordings/live/\(name)/stop")
    }

    /// `POST /channels/{id}/variable` then `POST /channels/{id}/continue` with no target: Asterisk
    /// resumes the dialplan at the priority after `Stasis()`.
    public func returnToDialplan(_ channel: ChannelID, reason: String) async throws(ProviderError) {
        let variable = try await rest.send(.POST, "channels/\(channel)/variable", query: [("variable", "VOICEGW_REFUSED"), ("value", reason)])
        if variable.status == 404 { return }
        try ARIRESTClient.check(variable, "POST channels/\(channel)/variable")
        let response = try await rest.send(.POST, "channels/\(channel)/continue")
        if response.status == 404 { return }
        try ARIRESTClient.check(response, "POST channels/\(channel)/continue")
    }

    public func originate(_ request: OriginateRequest) async throws(ProviderError) -> ChannelID {
        var query: [(String, String)] = [
            ("endpoint", request.endpoint), ("app", configuration.app), ("channelId", request.channelID.rawValue),
            ("timeout", "\(max(1, request.timeout.components.seconds))"),
        ]
        if !request.arguments.isEmpty { query.append(("appArgs", request.arguments.joined(separator: ","))) }
        if let callerID = request.callerID { query.append(("callerId", callerID)) }
        let response = try await rest.expectSuccess(.POST, "channels", query: query)
        let channel = try? JSONDecoder().decode(ARIChannel.self, from: response.body)
        return ChannelID(channel?.id ?? request.channelID.rawValue)
    }
}

extension TransferTarget {
    /// The extension a transfer continues at in the transfer context: the queue's name, the internal
    /// extension, or the E.164 number.
    var dialplanExtension: String {
        switch self {
        case .queue(let name): name
        case .extension(let ext): ext
        case .external(let number): number.e164
        }
    }
}
