import Domain

extension InMemoryTelephony {
    /// In Asterisk's order (docs/asterisk.md): creates the media channel for `session.offer` (not yet in
    /// the application), connects the session, lets the channel enter, then bridges it with `channel`.
    /// Throws what `connect` throws, `badRequest` when the call channel is gone by bridging time, and
    /// `cancelled` when the task was cancelled meanwhile; in every case the media channel and bridge are
    /// removed first. The session is left to the caller to close.
    public func startMedia(for channel: ChannelID, session: any MediaSession) async throws(ProviderError) -> MediaAttachment {
        let offer = session.offer
        let suffix = UUIDv4.random()
        let mediaID = ChannelID(DaemonResourceIDs.mediaChannelPrefix + suffix)
        let bridgeID = BridgeID(DaemonResourceIDs.bridgePrefix + UUIDv4.random())
        let (name, variables) = mediaChannel(for: offer, suffix: suffix)
        // chan_websocket channels are created Down and come Up once connected; the others are Up at once.
        channels[mediaID] = Channel(
            id: mediaID, name: name, state: offer.transport == .websocket ? "Down" : "Up", callerNumber: "", extensionNumber: "s",
            context: "default", arguments: [], inApplication: false, isMedia: true, variables: variables, createdAt: clock?.now())
        let attachment = MediaAttachment(callChannel: channel, mediaChannel: mediaID, bridge: bridgeID, variables: variables)
        do throws(ProviderError) {
            try await session.connect(attachment)
            if Task.isCancelled { throw ProviderError(.cancelled, provider: "ari", "media set-up cancelled") }
            // Deleted while the session connected (a reconciliation, a hangup of the media channel).
            guard channels[mediaID] != nil else { throw Self.notFound("POST bridges/\(bridgeID)/addChannel") }
            channels[mediaID]?.inApplication = true
            channels[mediaID]?.state = "Up"
            guard let call = channels[channel], call.inApplication, !call.isMedia else {
                throw ProviderError(.badRequest, provider: "ari", "POST bridges/\(bridgeID)/addChannel: 400 Channel not found")
            }
        } catch {
            await stopMedia(attachment)
            throw error
        }
        bridges[bridgeID] = [channel, mediaID]
        bridgeCreated[bridgeID] = clock?.now()
        channels[channel]?.bridge = bridgeID
        channels[mediaID]?.bridge = bridgeID
        return attachment
    }

    /// Deletes the media channel and the bridge of `attachment`; what is gone already counts as deleted.
    public func stopMedia(_ attachment: MediaAttachment) async {
        remove(attachment.mediaChannel)
        if let bridge = attachment.bridge { deleteBridgeNow(bridge) }
    }

    /// The calls in the application, the daemon's media channels and its bridges.
    public func inventory() async throws(ProviderError) -> TelephonyInventory {
        let snapshots = channels.values
            .filter { $0.inApplication || $0.isMedia || $0.otherApplication != nil }
            .sorted { $0.id < $1.id }
            .map {
                let isDaemonMedia = $0.isMedia && $0.id.rawValue.hasPrefix(DaemonResourceIDs.mediaChannelPrefix)
                return ChannelSnapshot(
                    id: $0.id, name: $0.name, state: $0.state, inApplication: $0.inApplication,
                    isDaemonMedia: isDaemonMedia, createdAt: $0.createdAt,
                    owner: isDaemonMedia ? DaemonResourceIDs.owner(of: $0.id.rawValue) : nil,
                    inStasis: $0.inApplication || $0.otherApplication != nil)
            }
        let ours = bridges
            .filter { $0.key.rawValue.hasPrefix(DaemonResourceIDs.bridgePrefix) }
            .sorted { $0.key < $1.key }
            .map { BridgeSnapshot(id: $0.key, channels: $0.value, createdAt: bridgeCreated[$0.key], owner: DaemonResourceIDs.owner(of: $0.key.rawValue)) }
        return TelephonyInventory(channels: snapshots, bridges: ours)
    }

    /// Moves a channel of another application into this one: it enters with the arguments `["takeover"]`.
    public func adopt(_ channel: ChannelID) async throws(ProviderError) {
        guard var moved = channels[channel], moved.otherApplication != nil || moved.inApplication else {
            throw ProviderError(.badRequest, provider: "ari", "POST channels/\(channel)/move: channel not found")
        }
        moved.otherApplication = nil
        moved.inApplication = true
        moved.arguments = ["takeover"]
        channels[channel] = moved
        continuation.yield(.channelEntered(incoming(moved)))
    }

    /// Leaves a media channel and a bridge of `instance` (it created them and died), created at `createdAt`.
    @discardableResult
    public func addLeftovers(of instance: String, createdAt: Timestamp? = nil) -> (channel: ChannelID, bridge: BridgeID) {
        let mediaID = ChannelID(DaemonResourceIDs.mediaChannel(instance: instance))
        let bridgeID = BridgeID(DaemonResourceIDs.bridge(instance: instance))
        channels[mediaID] = Channel(
            id: mediaID, name: "UnicastRTP/192.0.2.1:40000-0x1", state: "Up", callerNumber: "", extensionNumber: "s",
            context: "default", arguments: [], inApplication: true, isMedia: true, bridge: bridgeID, variables: [:], createdAt: createdAt)
        bridges[bridgeID] = [mediaID]
        bridgeCreated[bridgeID] = createdAt
        return (mediaID, bridgeID)
    }

    /// Deletes a bridge; its members stay. A bridge already gone succeeds.
    public func deleteBridge(_ bridge: BridgeID) async throws(ProviderError) {
        deleteBridgeNow(bridge)
    }

    // MARK: Scenario

    /// Leaves a media channel and a bridge holding it, as a crashed daemon would (for reconciliation
    /// tests). Returns their ids.
    @discardableResult
    public func addLeftovers(createdAt: Timestamp? = nil) -> (channel: ChannelID, bridge: BridgeID) {
        let suffix = UUIDv4.random()
        let mediaID = ChannelID(DaemonResourceIDs.mediaChannelPrefix + suffix)
        let bridgeID = BridgeID(DaemonResourceIDs.bridgePrefix + suffix)
        let offer = MediaOffer(transport: .rtp, externalHost: "192.0.2.1:40000", format: "ulaw")
        let (name, variables) = mediaChannel(for: offer, suffix: suffix)
        channels[mediaID] = Channel(
            id: mediaID, name: name, state: "Up", callerNumber: "", extensionNumber: "s", context: "default", arguments: [],
            inApplication: true, isMedia: true, bridge: bridgeID, variables: variables, createdAt: createdAt ?? clock?.now())
        bridges[bridgeID] = [mediaID]
        bridgeCreated[bridgeID] = createdAt ?? clock?.now()
        return (mediaID, bridgeID)
    }

    // MARK: Helpers

    private func deleteBridgeNow(_ bridge: BridgeID) {
        guard let members = bridges.removeValue(forKey: bridge) else { return }
        bridgeCreated.removeValue(forKey: bridge)
        // A recording ends with its bridge (the file stays).
        for (name, recording) in recordings where recording.bridge == bridge && recording.state == .recording { recordings[name]?.state = .done }
        for member in members where channels[member]?.bridge == bridge { channels[member]?.bridge = nil }
    }

    /// The name and variables Asterisk gives an external media channel of `offer`'s transport.
    private func mediaChannel(for offer: MediaOffer, suffix: String) -> (String, [String: String]) {
        counter += 1
        switch offer.transport {
        case .rtp:
            let port = 10_000 + 2 * (counter % 5_000)
            return ("UnicastRTP/\(offer.externalHost)-0x\(suffix.prefix(8))", [
                "UNICASTRTP_LOCAL_ADDRESS": "127.0.0.1", "UNICASTRTP_LOCAL_PORT": "\(port)",
            ])
        case .audiosocket:
            return ("AudioSocket/\(offer.externalHost)-\(offer.data ?? suffix)", [:])
        case .websocket:
            return ("WebSocket/\(suffix)/0x\(suffix.prefix(8))", ["MEDIA_WEBSOCKET_CONNECTION_ID": suffix])
        }
    }
}
