import Domain

extension InMemoryTelephony {
    /// Answers a channel (`Up`); answering an answered channel succeeds. Throws `badRequest` for an
    /// unknown channel (ARI: 404).
    public func answer(_ channel: ChannelID) async throws(ProviderError) {
        guard channels[channel] != nil else { throw Self.notFound("POST channels/\(channel)/answer") }
        answered.append(channel)
        channels[channel]?.state = "Up"
    }

    /// Hangs up: a call channel ends with a soft hangup (`hangupRequested(cause: 32, soft: true)`, then
    /// `channelLeft`), a media channel goes silently, a pending originate is cancelled (`channelDestroyed`,
    /// cause 16 as from ARI's DELETE). A channel already gone succeeds.
    public func hangup(_ channel: ChannelID, cause: HangupCause) async throws(ProviderError) {
        if pendingOriginates.removeValue(forKey: channel) != nil {
            hungUp[channel] = cause
            continuation.yield(.channelDestroyed(channel, cause: 16, dialStatus: "NOANSWER"))
            return
        }
        guard let existing = channels[channel] else { return }
        if !existing.isMedia { hungUp[channel] = cause }
        // With `soft`, Asterisk reports a soft-hangup bitmask (32 = explicit), not the Q.850 cause.
        endChannel(channel, cause: 32, soft: true)
    }

    /// Records the sound and returns at once (the server plays it). Throws `badRequest` for an
    /// unknown channel.
    public func play(_ media: String, on channel: ChannelID) async throws(ProviderError) {
        guard channels[channel] != nil else { throw Self.notFound("POST channels/\(channel)/play") }
        playedSounds.append((media, channel))
    }

    /// Records the digits. Throws `badRequest` for anything but DTMF digits or an unknown channel.
    public func sendDTMF(_ digits: String, to channel: ChannelID) async throws(ProviderError) {
        guard !digits.isEmpty, digits.allSatisfy({ "0123456789*#ABCDabcd".contains($0) }) else {
            throw ProviderError(.badRequest, provider: "ari", "not DTMF digits: \(digits)")
        }
        guard channels[channel] != nil else { throw Self.notFound("POST channels/\(channel)/dtmf") }
        sentDTMF.append(SentDTMF(channel: channel, digits: digits))
    }

    /// Sets `variables`, then the channel continues in `transferContext` at the target's extension and
    /// leaves the application (`channelLeft`). Throws `badRequest` for an unknown channel, or when the
    /// test refused transfers (`refuseTransfers`, as a dialplan error would).
    public func transfer(_ channel: ChannelID, to target: TransferTarget, variables: [String: String]) async throws(ProviderError) {
        guard channels[channel] != nil else { throw Self.notFound("POST channels/\(channel)/continue") }
        if refuseTransfers { throw ProviderError(.server, provider: "ari", "POST channels/\(channel)/continue: 500 Internal Server Error") }
        transferredVariables[channel] = variables
        let extensionName: String
        switch target {
        case .queue(let name): extensionName = name
        case .extension(let ext): extensionName = ext
        case .external(let number): extensionName = number.e164
        }
        transfers.append(Transfer(channel: channel, target: target, context: transferContext, extensionName: extensionName))
        leave(channel)
    }

    /// Creates bridge `id` with `channels` (each must exist, else `badRequest` and nothing is left).
    public func bridge(_ members: [ChannelID], as id: BridgeID) async throws(ProviderError) {
        guard members.allSatisfy({ channels[$0] != nil }) else { throw Self.notFound("POST bridges/\(id)/addChannel") }
        bridges[id] = members
        bridgeCreated[id] = clock?.now()
        for member in members { channels[member]?.bridge = id }
    }

    /// Starts recording a bridge (`badRequest` for an unknown bridge or a name in use).
    public func startRecording(_ bridge: BridgeID, name: String, format: String) async throws(ProviderError) {
        guard bridges[bridge] != nil else { throw ProviderError(.badRequest, provider: "ari", "POST bridges/\(bridge)/record: 404 Bridge not found") }
        guard recordings[name] == nil else { throw ProviderError(.badRequest, provider: "ari", "POST bridges/\(bridge)/record: 409 Recording exists") }
        recordings[name] = Recording(bridge: bridge, format: format, state: .recording)
    }

    /// Stops (`done`) or discards (`discarded`) a recording; an unknown one succeeds.
    public func stopRecording(_ name: String, discard: Bool) async throws(ProviderError) {
        guard recordings[name]?.state == .recording else { return }
        recordings[name]?.state = discard ? .discarded : .done
    }

    /// Sets `VOICEGW_REFUSED` to `reason` and lets the channel continue in the dialplan (`channelLeft`).
    /// A channel already gone succeeds.
    public func returnToDialplan(_ channel: ChannelID, reason: String) async throws(ProviderError) {
        guard channels[channel] != nil else { return }
        channels[channel]?.variables["VOICEGW_REFUSED"] = reason
        returnedToDialplan[channel] = reason
        leave(channel)
    }

    /// Creates the outbound channel (`Down`, not yet in the application); it enters when the test calls
    /// `answerOriginated`. Throws `badRequest` when the id is in use (ARI: 409).
    public func originate(_ request: OriginateRequest) async throws(ProviderError) -> ChannelID {
        if refuseNextOriginate {
            refuseNextOriginate = false
            throw ProviderError(.server, provider: "ari", "POST channels: 500 Allocation failed")
        }
        guard channels[request.channelID] == nil, pendingOriginates[request.channelID] == nil else {
            throw ProviderError(.badRequest, provider: "ari", "POST channels: 409 Channel with id \(request.channelID) already exists")
        }
        originated.append(request)
        pendingOriginates[request.channelID] = request
        return request.channelID
    }
}
