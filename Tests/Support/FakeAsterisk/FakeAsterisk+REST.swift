import Foundation
import NIOCore

/// A REST response of the fake.
struct FakeResponse: Sendable {
    let status: Int
    let body: String

    static func json(_ status: Int, _ object: Any) -> FakeResponse {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return FakeResponse(status: status, body: String(decoding: data, as: UTF8.self))
    }
    static func message(_ status: Int, _ text: String) -> FakeResponse { json(status, ["message": text]) }
    static let noContent = FakeResponse(status: 204, body: "")
}

extension FakeAsterisk {
    /// Routes one REST request (ARI paths under /ari).
    func handle(method: String, path: String, query: [String: String], authorization: String?) async -> FakeResponse {
        state.withLock { $0.requests.append(FakeRequest(method: method, path: path, query: query)) }
        let expected = "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
        guard authorization == expected || query["api_key"] == "\(username):\(password)" else {
            return .message(401, "Authentication required")
        }
        let parts = path.split(separator: "/").map(String.init)
        guard parts.first == "ari" else { return .message(404, "Resource not found") }
        let route = Array(parts.dropFirst())
        switch (method, route.count, route.first) {
        case ("POST", 2, "channels") where route[1] == "externalMedia": return await externalMedia(query)
        case ("POST", 1, "channels"): return originate(query)
        case ("GET", 1, "channels"): return .json(200, state.withLock { $0.channels.values.map { FakeAsteriskEvents.channel($0) } })
        case ("POST", 3, "channels") where route[2] == "answer": return answer(route[1])
        case ("DELETE", 2, "channels"): return deleteChannel(route[1])
        case ("POST", 3, "channels") where route[2] == "dtmf": return exists(route[1]) ? .noContent : .message(404, "Channel not found")
        case ("POST", 3, "channels") where route[2] == "continue": return continueInDialplan(route[1], query)
        case ("POST", 3, "channels") where route[2] == "variable": return setVariable(route[1], query)
        case ("POST", 3, "channels") where route[2] == "play": return play(route[1], query)
        case ("POST", 1, "bridges"): return createBridge(query)
        case ("POST", 3, "bridges") where route[2] == "addChannel": return addChannels(route[1], query)
        case ("DELETE", 2, "bridges"): return deleteBridge(route[1])
        case ("POST", 3, "bridges") where route[2] == "record": return await record(route[1], query)
        case ("POST", 4, "recordings") where route[1] == "live" && route[3] == "stop": return stopRecording(route[2], discard: false)
        case ("DELETE", 3, "recordings") where route[1] == "live": return stopRecording(route[2], discard: true)
        case ("GET", 1, "bridges"):
            return .json(200, state.withLock { state in
                state.bridges.map { FakeAsteriskEvents.bridge($0.key, channels: $0.value, created: state.bridgeCreated[$0.key] ?? Date()) }
            })
        case ("POST", 3, "channels") where route[2] == "move": return move(route[1], query)
        case ("GET", 2, "applications"):
            // The channels in Stasis for the app and the bridges it created (subscribed).
            let name = route[1]
            let (channels, bridges) = state.withLock { state in
                (state.channels.values.filter { $0.inStasis && state.channelApps[$0.id, default: self.app] == name }.map(\.id),
                 Array(state.bridges.keys))
            }
            // 22.10.1: an application with no connection is found while a channel is still in it.
            guard !channels.isEmpty || state.withLock({ $0.activeEventClient[name] != nil }) else {
                return .message(404, "Application not found")
            }
            return .json(200, ["name": name, "channel_ids": channels, "bridge_ids": bridges, "endpoint_ids": [String](), "device_names": [String]()])
        default:
            return .message(404, "Resource not found")
        }
    }

    private func exists(_ id: String) -> Bool { state.withLock { $0.channels[id] != nil } }

    private func answer(_ id: String) -> FakeResponse {
        guard var channel = state.withLock({ $0.channels[id] }) else { return .message(404, "Channel not found") }
        guard channel.state != "Up" else { return .noContent }
        channel.state = "Up"
        state.withLock { $0.channels[id] = channel }
        broadcast("ChannelStateChange", ["channel": FakeAsteriskEvents.channel(channel)])
        return .noContent
    }

    private func externalMedia(_ query: [String: String]) async -> FakeResponse {
        guard let app = query["app"], !app.isEmpty else { return .message(400, "app is required") }
        guard let format = query["format"] else { return .message(400, "format is required") }
        let id = query["channelId"] ?? state.withLock { $0.nextID() }
        state.withLock { $0.channelApps[id] = app }
        // Real 22.10.1 answers with the channel `Down` for every transport; it is `Up` by its StasisStart.
        var channel = FakeChannel(
            id: id, name: "", state: "Down", callerNumber: "", exten: "s", context: "default", appData: app, isMedia: true, inStasis: false)
        switch (query["transport"] ?? "udp", query["encapsulation"] ?? "rtp") {
        case ("websocket", "none"):
            // chan_websocket, connection_type=server: the app connects to /media/<connection id>.
            guard query["connection_type"] == "server" else { return .message(400, "only connection_type=server is faked") }
            let connectionID = UUID().uuidString.lowercased()
            channel.name = "WebSocket/INCOMING/0x7f2c4c00\(state.withLock { $0.counter })"
            channel.variables = ["MEDIA_WEBSOCKET_CONNECTION_ID": connectionID]
            // Created Down; it enters Stasis only once the app has connected its media WebSocket
            // (measured on 22.10.1: no StasisStart within 6 s without a connection).
            let peer = FakeMediaWebSocketPeer(
                connectionID: connectionID, channelName: channel.name, onConnected: { [weak self] in self?.enterStasis(id, after: .zero) },
                onDisconnected: { [weak self] in self?.mediaConnectionEnded(id) })
            state.withLock {
                $0.webSocketPeers[id] = peer
                $0.webSocketConnections[connectionID] = peer
            }
        case ("tcp", "audiosocket"):
            guard let (host, port) = Self.hostPort(query["external_host"]) else { return .message(400, "external_host is required") }
            guard let uuid = query["data"], uuid.filter({ $0 != "-" }).count == 32 else { return .message(400, "data must be a UUID") }
            // Asterisk connects while creating the channel and sends the UUID frame first.
            let kind: UInt8 = format == "slin16" ? 0x12 : 0x10
            let peer: FakeAudioSocketPeer
            do { peer = try await FakeAudioSocketPeer(host: host, port: port, uuid: uuid, audioKind: kind) } catch {
                return .message(500, "Failed to connect to AudioSocket server")
            }
            channel.name = "AudioSocket/\(host):\(port)-\(uuid)"
            peer.onClosed { [weak self] in self?.mediaConnectionEnded(id) }
            state.withLock { $0.audioSocketPeers[id] = peer }
        default:
            guard let (host, port) = Self.hostPort(query["external_host"]), let remote = try? SocketAddress(ipAddress: host, port: port) else {
                return .message(400, "external_host is required")
            }
            let peer: FakeRTPPeer
            do { peer = try await FakeRTPPeer(remote: remote) } catch { return .message(500, "cannot bind RTP") }
            channel.name = "UnicastRTP/\(host):\(port)-0x7f62480023\(peer.port % 100)"
            channel.variables = ["UNICASTRTP_LOCAL_ADDRESS": "127.0.0.1", "UNICASTRTP_LOCAL_PORT": "\(peer.port)"]
            state.withLock { $0.rtpPeers[id] = peer }
        }
        state.withLock { $0.channels[id] = channel }
        // RTP and AudioSocket channels enter Stasis a few ms after the response (the 422 race of a real
        // Asterisk); a chan_websocket channel waits for its media connection (above).
        if channel.name.hasPrefix("WebSocket/") == false {
            let held = state.withLock { state in
                if state.holdingStasis { state.heldStasis.append(id) }
                return state.holdingStasis
            }
            if !held { enterStasis(id, after: mediaStasisDelay) }
        }
        if externalMediaResponseDelay > .zero { try? await Task.sleep(for: externalMediaResponseDelay) }
        var body = FakeAsteriskEvents.channel(channel)
        body["channelvars"] = channel.variables
        return .json(200, body)
    }

    /// A media channel enters the application (`StasisStart`, state Up) after `delay`, unless it was
    /// deleted meanwhile.
    func enterStasis(_ id: String, after delay: Duration) {
        Task {
            if delay > .zero { try? await Task.sleep(for: delay) }
            let entered = self.state.withLock { state -> FakeChannel? in
                guard state.channels[id] != nil, state.channels[id]?.inStasis == false else { return nil }
                state.channels[id]?.inStasis = true
                state.channels[id]?.state = "Up"
                return state.channels[id]
            }
            if let entered { self.broadcast("StasisStart", ["channel": FakeAsteriskEvents.channel(entered), "args": [String]()]) }
        }
    }

    /// `POST /channels/{id}/move` (measured on 22.10.1: 204 at once, then `StasisEnd` in the old
    /// application and `StasisStart` with `appArgs` (empty ones dropped) in the new one; without a
    /// connection for the new application, `ApplicationMoveFailed` to the old one and the channel stays
    /// there; a bridged channel stays in its bridge).
    private func move(_ id: String, _ query: [String: String]) -> FakeResponse {
        guard let target = query["app"], !target.isEmpty else { return .message(400, "app is required") }
        guard let channel = state.withLock({ $0.channels[id] }) else { return .message(404, "Channel not found") }
        guard channel.inStasis else { return .message(409, "Channel not in a Stasis application") }
        let args = (query["appArgs"] ?? "").split(separator: ",").map(String.init)
        Task {
            let old = self.state.withLock { $0.channelApps[id] ?? self.app }
            // 22.10.1: dialplan.app_data keeps the first application's name after a move.
            let active = self.state.withLock { state -> FakeChannel? in
                guard state.activeEventClient[target] != nil else { return nil }
                state.channelApps[id] = target
                return state.channels[id]
            }
            if let moved = active {
                self.broadcast("StasisEnd", ["channel": FakeAsteriskEvents.channel(channel)], app: old)
                self.broadcast("StasisStart", ["channel": FakeAsteriskEvents.channel(moved), "args": args], app: target)
            } else {
                // The channel stays where it is, in Stasis; its application is told.
                self.broadcast("ApplicationMoveFailed", ["channel": FakeAsteriskEvents.channel(channel), "destination": target, "args": args], app: old)
            }
        }
        return .noContent
    }

    private static func hostPort(_ text: String?) -> (String, Int)? {
        guard let text, let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) else { return nil }
        return (String(text[..<colon]), port)
    }

    private func deleteChannel(_ id: String) -> FakeResponse {
        guard let channel = state.withLock({ $0.channels[id] }) else { return .message(404, "Channel not found") }
        // Asterisk 22.10.1: a channel the app is subscribed to (media, or one it originated) is destroyed
        // in view (cause 16); a dialplan channel leaves the app at StasisEnd and its destruction is not seen.
        // A dial cancelled while ringing ends NOANSWER.
        if channel.originated && !channel.inStasis { dialStatus(channel, "NOANSWER") }
        endChannel(id, hangupFields: ["cause": 32, "soft": true], destroyed: channel.isMedia || channel.originated)
        return .noContent
    }

    func continueInDialplan(_ id: String, _ query: [String: String]) -> FakeResponse {
        guard let known = state.withLock({ $0.channels[id] }) else { return .message(404, "Channel not found") }
        guard known.inStasis else { return .message(409, "Channel not in Stasis application") }
        guard let channel = state.withLock({ $0.channels.removeValue(forKey: id) }) else { return .message(404, "Channel not found") }
        state.withLock {
            $0.transfers.append((id, query["context"] ?? "", query["extension"] ?? ""))
            $0.continued[id] = channel.variables
        }
        if let bridge = channel.bridge {
            let members = state.withLock { state -> [String] in
                state.bridges[bridge]?.removeAll { $0 == id }
                return state.bridges[bridge] ?? []
            }
            broadcast("ChannelLeftBridge", ["channel": FakeAsteriskEvents.channel(channel), "bridge": FakeAsteriskEvents.bridge(bridge, channels: members)])
        }
        broadcast("StasisEnd", ["channel": FakeAsteriskEvents.channel(channel)])
        return .noContent
    }

    /// Real 22.10.1: 400 without a name, 404 for an unknown channel, 409 for one not in Stasis, else 204
    /// and a `ChannelVarset` event.
    func setVariable(_ id: String, _ query: [String: String]) -> FakeResponse {
        guard let name = query["variable"], !name.isEmpty else { return .message(400, "Variable name is required") }
        let value = query["value"] ?? ""
        let result = state.withLock { state -> Result<FakeChannel, FakeResponseError> in
            guard let channel = state.channels[id] else { return .failure(.init(.message(404, "Channel not found"))) }
            guard channel.inStasis else { return .failure(.init(.message(409, "Channel not in Stasis application"))) }
            state.channels[id]?.variables[name] = value
            return .success(channel)
        }
        switch result {
        case .failure(let error): return error.response
        case .success(let channel):
            broadcast("ChannelVarset", ["channel": FakeAsteriskEvents.channel(channel), "variable": name, "value": value])
            return .noContent
        }
    }

    private func play(_ id: String, _ query: [String: String]) -> FakeResponse {
        guard exists(id) else { return .message(404, "Channel not found") }
        let playback: [String: String] = [
            "id": query["playbackId"] ?? UUID().uuidString.lowercased(), "media_uri": query["media"] ?? "", "target_uri": "channel:\(id)",
            "language": "en", "state": "queued",
        ]
        Task {
            var started = playback
            started["state"] = "playing"
            self.broadcast("PlaybackStarted", ["playback": started])
            try? await Task.sleep(for: .milliseconds(20))
            var done = playback
            done["state"] = "done"
            self.broadcast("PlaybackFinished", ["playback": done])
        }
        return .json(201, playback)
    }

    private func createBridge(_ query: [String: String]) -> FakeResponse {
        let id = query["bridgeId"] ?? UUID().uuidString.lowercased()
        let created = state.withLock { state -> Bool in
            guard state.bridges[id] == nil else { return false }
            state.bridges[id] = []
            state.bridgeCreated[id] = Date()
            return true
        }
        guard created else { return .message(409, "Bridge with id \(id) already exists") }
        return .json(200, FakeAsteriskEvents.bridge(id, channels: []))
    }

    private func addChannels(_ bridge: String, _ query: [String: String]) -> FakeResponse {
        let ids = (query["channel"] ?? "").split(separator: ",").map(String.init)
        let problem = state.withLock { state -> FakeResponse? in
            guard state.bridges[bridge] != nil else { return .message(404, "Bridge not found") }
            for id in ids {
                guard let channel = state.channels[id] else { return .message(400, "Channel not found") }
                guard channel.inStasis else { return .message(422, "Channel not in Stasis application") }
            }
            return nil
        }
        if let problem { return problem }
        for id in ids {
            let (channel, members) = state.withLock { state -> (FakeChannel?, [String]) in
                state.channels[id]?.bridge = bridge
                state.bridges[bridge, default: []].append(id)
                return (state.channels[id], state.bridges[bridge] ?? [])
            }
            if let channel {
                broadcast("ChannelEnteredBridge", ["channel": FakeAsteriskEvents.channel(channel), "bridge": FakeAsteriskEvents.bridge(bridge, channels: members)])
            }
        }
        return .noContent
    }

    private func deleteBridge(_ id: String) -> FakeResponse {
        finishRecordings(of: id)
        guard let members = state.withLock({ $0.bridges.removeValue(forKey: id) }) else { return .message(404, "Bridge not found") }
        state.withLock { _ = $0.bridgeCreated.removeValue(forKey: id) }
        // Channels still in it leave first (ChannelLeftBridge each), then the bridge goes.
        var left = members
        for member in members {
            left.removeAll { $0 == member }
            let channel = state.withLock { state -> FakeChannel? in
                state.channels[member]?.bridge = nil
                return state.channels[member]
            }
            if let channel {
                broadcast("ChannelLeftBridge", ["channel": FakeAsteriskEvents.channel(channel), "bridge": FakeAsteriskEvents.bridge(id, channels: left)])
            }
        }
        broadcast("BridgeDestroyed", ["bridge": FakeAsteriskEvents.bridge(id, channels: [])])
        return .noContent
    }
}

/// A REST failure carried out of a lock.
struct FakeResponseError: Error {
    let response: FakeResponse
    init(_ response: FakeResponse) { self.response = response }
}
