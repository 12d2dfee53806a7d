import Domain
import Foundation

extension ARITelephony {
    /// Creates the ExternalMedia channel, connects `session` to it, waits for the channel's own
    /// StasisStart, then bridges it with the call. Undoes what it created on failure.
    ///
    /// The order is Asterisk's, measured on 22.10.1 (docs/asterisk.md): a chan_websocket channel stays
    /// `Down` and out of the application until its media WebSocket is connected, so waiting for its
    /// StasisStart before connecting never completes; and `addChannel` before a channel's StasisStart is
    /// a 422. RTP and AudioSocket channels enter on their own, so connecting first costs them nothing.
    public func startMedia(for channel: ChannelID, session: any MediaSession) async throws(ProviderError) -> MediaAttachment {
        let offer = session.offer
        let mediaID = DaemonResourceIDs.mediaChannel(instance: configuration.instance)
        // Known before the POST: its StasisStart may arrive before the response.
        state.withLock { _ = $0.mediaChannels.insert(mediaID) }
        var query: [(String, String)] = [("app", configuration.app), ("channelId", mediaID), ("format", offer.format)]
        switch offer.transport {
        case .rtp:
            query += [("external_host", offer.externalHost), ("encapsulation", "rtp"), ("transport", "udp")]
        case .audiosocket:
            query += [("external_host", offer.externalHost), ("encapsulation", "audiosocket"), ("transport", "tcp")]
            if let data = offer.data { query.append(("data", data)) }
        case .websocket:
            query += [("transport", "websocket"), ("encapsulation", "none"), ("connection_type", "server")]
        }
        let created: ARIChannel
        do throws(ProviderError) {
            let response = try await rest.expectSuccess(.POST, "channels/externalMedia", query: query)
            guard let decoded = try? JSONDecoder().decode(ARIChannel.self, from: response.body) else {
                throw ProviderError(.badResponse, provider: "ari", "externalMedia answered without a channel")
            }
            created = decoded
        } catch {
            _ = state.withLock { $0.forgetMedia(mediaID) }
            // The request may have reached Asterisk before it failed (cancelled by a hangup, timed out), so
            // the channel may exist under our id: delete it, uncancelled (an unknown id is a harmless 404).
            // One created after this DELETE is left to reconciliation (an unreferenced voicegw-m-*).
            let created = MediaAttachment(callChannel: channel, mediaChannel: ChannelID(mediaID), bridge: nil, variables: [:])
            await Task { await self.stopMedia(created) }.value
            throw error
        }
        let bridgeID = DaemonResourceIDs.bridge(instance: configuration.instance)
        let attachment = MediaAttachment(
            callChannel: channel, mediaChannel: ChannelID(created.id), bridge: BridgeID(bridgeID), variables: created.channelvars ?? [:])
        do throws(ProviderError) {
            try await session.connect(attachment)
            try await waitForMediaStart(mediaID)
            try await rest.expectSuccess(.POST, "bridges", query: [("type", "mixing"), ("bridgeId", bridgeID), ("name", "voicegw")])
            try await rest.expectSuccess(.POST, "bridges/\(bridgeID)/addChannel", query: [("channel", "\(channel),\(mediaID)")])
        } catch {
            logger.warning("media set-up failed; removing what was created", metadata: ["channel.id": "\(channel)", "error": "\(error)"])
            // Set-up is often abandoned by cancellation (hangup, shutdown): the clean-up must not be.
            let created = MediaAttachment(callChannel: channel, mediaChannel: ChannelID(mediaID), bridge: BridgeID(bridgeID), variables: [:])
            await Task { await self.stopMedia(created) }.value
            throw error
        }
        return attachment
    }

    public func stopMedia(_ attachment: MediaAttachment) async {
        for (path, what) in [("channels/\(attachment.mediaChannel)", "media channel")] + (attachment.bridge.map { [("bridges/\($0)", "bridge")] } ?? []) {
            do {
                let response = try await rest.send(.DELETE, path)
                if response.status != 404 { try ARIRESTClient.check(response, "DELETE \(path)") }
            } catch {
                logger.error("could not delete the \(what); it may leak in Asterisk", metadata: ["path": "\(path)", "error": "\(error)"])
            }
        }
    }

    private func waitForMediaStart(_ id: String) async throws(ProviderError) {
        let timeout = configuration.mediaStartTimeout
        let clock = self.clock
        let arrived: Bool = await withTaskGroup(of: Bool.self) { group in
            group.addTask { [self] in
                await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
                    let ready = state.withLock { state in
                        if state.startedMedia.contains(id) || !state.mediaChannels.contains(id) { return true }
                        state.mediaWaiters[id] = waiter
                        return false
                    }
                    if ready { waiter.resume() }
                }
                return state.withLock { $0.startedMedia.contains(id) }
            }
            group.addTask {
                try? await clock.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            // Release a waiter left behind by the timeout.
            state.withLock { $0.mediaWaiters.removeValue(forKey: id) }?.resume()
            return first
        }
        guard arrived else {
            throw ProviderError(.timeout, provider: "ari", "media channel \(id) did not enter the application within \(timeout)")
        }
    }
}
