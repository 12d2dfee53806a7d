import Domain

extension ARIServerPool {
    public func answer(_ channel: ChannelID) async throws(ProviderError) {
        let (_, server, raw) = try server(for: channel.rawValue)
        try await server.answer(ChannelID(raw))
    }

    /// A channel no server is known to have is hung up on every server (a gone channel is no error).
    public func hangup(_ channel: ChannelID, cause: HangupCause) async throws(ProviderError) {
        if let (_, server, raw) = route(channel.rawValue) {
            try await server.hangup(ChannelID(raw), cause: cause)
            return
        }
        for server in servers { try await server.hangup(channel, cause: cause) }
    }

    public func startMedia(for channel: ChannelID, session: any MediaSession) async throws(ProviderError) -> MediaAttachment {
        let (index, server, raw) = try server(for: channel.rawValue)
        let attachment = try await server.startMedia(for: ChannelID(raw), session: session)
        routes.withLock { routes in
            routes.remember(attachment.mediaChannel.rawValue, server: index)
            if let bridge = attachment.bridge { routes.remember(bridge.rawValue, server: index) }
        }
        return MediaAttachment(callChannel: channel, mediaChannel: attachment.mediaChannel, bridge: attachment.bridge, variables: attachment.variables)
    }

    public func stopMedia(_ attachment: MediaAttachment) async {
        guard let (_, server, raw) = route(attachment.callChannel.rawValue) ?? route(attachment.mediaChannel.rawValue) else {
            for server in servers { await server.stopMedia(attachment) }
            return
        }
        await server.stopMedia(MediaAttachment(callChannel: ChannelID(raw), mediaChannel: attachment.mediaChannel, bridge: attachment.bridge, variables: attachment.variables))
        routes.withLock { routes in
            routes.forget(attachment.mediaChannel.rawValue)
            if let bridge = attachment.bridge { routes.forget(bridge.rawValue) }
        }
    }

    public func play(_ media: String, on channel: ChannelID) async throws(ProviderError) {
        let (_, server, raw) = try server(for: channel.rawValue)
        try await server.play(media, on: ChannelID(raw))
    }

    public func sendDTMF(_ digits: String, to channel: ChannelID) async throws(ProviderError) {
        let (_, server, raw) = try server(for: channel.rawValue)
        try await server.sendDTMF(digits, to: ChannelID(raw))
    }

    public func transfer(_ channel: ChannelID, to target: TransferTarget, variables: [String: String]) async throws(ProviderError) {
        let (_, server, raw) = try server(for: channel.rawValue)
        try await server.transfer(ChannelID(raw), to: target, variables: variables)
    }

    /// The channels must be on one server (Asterisk cannot bridge across servers).
    public func bridge(_ channels: [ChannelID], as id: BridgeID) async throws(ProviderError) {
        var found: [(index: Int, server: ARITelephony, raw: String)] = []
        for channel in channels { found.append(try server(for: channel.rawValue)) }
        guard let index = found.first?.index, found.allSatisfy({ $0.index == index }) else {
            throw ProviderError(.badRequest, provider: "ari", "channels on different Asterisk servers cannot be bridged")
        }
        let server = servers[index]
        routes.withLock { $0.remember(id.rawValue, server: index) }
        try await server.bridge(found.map { ChannelID($0.raw) }, as: id)
    }

    public func startRecording(_ bridge: BridgeID, name: String, format: String) async throws(ProviderError) {
        let (index, server, raw) = try server(for: bridge.rawValue)
        routes.withLock { $0.remember(recording: name, server: index) }
        try await server.startRecording(BridgeID(raw), name: name, format: format)
    }

    /// A recording no server is known to have is stopped on every server (one already over is no error).
    public func stopRecording(_ name: String, discard: Bool) async throws(ProviderError) {
        if let index = routes.withLock({ $0.takeRecording(name) }) {
            try await servers[index].stopRecording(name, discard: discard)
            return
        }
        for server in servers { try await server.stopRecording(name, discard: discard) }
    }

    public func returnToDialplan(_ channel: ChannelID, reason: String) async throws(ProviderError) {
        let (_, server, raw) = try server(for: channel.rawValue)
        try await server.returnToDialplan(ChannelID(raw), reason: reason)
    }

    /// Through the first connected server (the first one when none is: it reports why it failed).
    public func originate(_ request: OriginateRequest) async throws(ProviderError) -> ChannelID {
        var index = 0
        for (candidate, server) in servers.enumerated() where await server.connectionState() == .connected {
            index = candidate
            break
        }
        var request = request
        let raw = request.channelID.rawValue
        guard ARIServerRoutes.isDaemonID(raw) else {
            throw ProviderError(.badRequest, provider: "ari", "an originate across ari.servers needs a daemon channel id (voicegw-…), not \(raw)")
        }
        routes.withLock { $0.remember(raw, server: index) }
        request.channelID = ChannelID(raw)
        return try await servers[index].originate(request)
    }

    /// Every server's inventory, with the ids the daemon sees. A server that cannot answer makes the
    /// inventory incomplete (reconciliation then ends nothing for want of a channel); none answering throws.
    public func inventory() async throws(ProviderError) -> TelephonyInventory {
        var channels: [ChannelSnapshot] = []
        var bridges: [BridgeSnapshot] = []
        var failed = 0
        var lastError: ProviderError?
        for (index, server) in servers.enumerated() {
            let inventory: TelephonyInventory
            do throws(ProviderError) { inventory = try await server.inventory() } catch {
                logger.warning("an Asterisk server's inventory is unavailable", metadata: ["ari.server": "\(server.configuration.name)", "error": "\(error)"])
                failed += 1
                lastError = error
                continue
            }
            routes.withLock { routes in
                for var channel in inventory.channels {
                    channel.id = ChannelID(routes.external(channel.id.rawValue, server: index))
                    channels.append(channel)
                }
                for var bridge in inventory.bridges {
                    bridge.id = BridgeID(routes.external(bridge.id.rawValue, server: index))
                    bridge.channels = bridge.channels.map { ChannelID(routes.external($0.rawValue, server: index)) }
                    bridges.append(bridge)
                }
            }
        }
        if let lastError, failed == servers.count { throw lastError }
        var inventory = TelephonyInventory(channels: channels, bridges: bridges)
        inventory.complete = failed == 0
        return inventory
    }

    public func deleteBridge(_ bridge: BridgeID) async throws(ProviderError) {
        if let (_, server, raw) = route(bridge.rawValue) {
            try await server.deleteBridge(BridgeID(raw))
            routes.withLock { $0.forget(bridge.rawValue) }
            return
        }
        for server in servers { try await server.deleteBridge(bridge) }
    }

    public func adopt(_ channel: ChannelID) async throws(ProviderError) {
        let (_, server, raw) = try server(for: channel.rawValue)
        try await server.adopt(ChannelID(raw))
    }
}
