import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A fake Asterisk on real loopback sockets: ARI REST, the events WebSocket and ExternalMedia RTP peers,
/// replaying what a real Asterisk 22 does (docs/asterisk.md): calls arrive `Ring`; an ExternalMedia
/// channel enters Stasis a few ms after its POST returns and bridging it before that is a 422; caller
/// hangup is HangupRequest(16), LeftBridge, StasisEnd and no ChannelDestroyed; ExternalMedia channels and
/// bridges live until deleted; a restart drops the WebSocket without a close frame.
public final class FakeAsterisk: @unchecked Sendable {
    public let app: String
    public let username: String
    public let password: String
    /// Delay between an externalMedia response and that channel's StasisStart.
    public var mediaStasisDelay: Duration = .milliseconds(3)
    /// Holds the StasisStart of every new RTP/AudioSocket media channel until `releaseHeldStasis()`
    /// (to put a request deterministically inside the window before it).
    public var holdMediaStasis: Bool {
        get { state.withLock { $0.holdingStasis } }
        set { state.withLock { $0.holdingStasis = newValue } }
    }
    /// How long `POST /channels/externalMedia` takes to answer after creating the channel (a busy Asterisk).
    public var externalMediaResponseDelay: Duration = .zero
    let state = Mutex(FakeAsteriskState())
    private var server: (any Channel)?

    public init(app: String = "voicegw", username: String = "voicegw", password: String = "secret") {
        self.app = app
        self.username = username
        self.password = password
    }

    /// `http://127.0.0.1:PORT`.
    public var url: String { "http://127.0.0.1:\(server?.localAddress?.port ?? 0)" }

    /// Starts listening on a free loopback port.
    public func start() async throws {
        server = try await FakeAsteriskServer.bind(fake: self)
    }

    /// Stops the server, the event connections and the RTP peers.
    public func stop() async {
        let (clients, peers) = state.withLock { ($0.eventClients.values.map { $0 }, $0.rtpPeers.values.map { $0 }) }
        let (sockets, webSockets) = state.withLock { (Array($0.audioSocketPeers.values), Array($0.webSocketPeers.values)) }
        for client in clients { client.close(promise: nil) }
        for peer in peers { peer.close() }
        for peer in sockets { peer.close() }
        for peer in webSockets { peer.close() }
        await state.withLock { $0.ami }?.stop()
        try? await server?.close()
        for connection in state.withLock({ Array($0.connections.values) }) { connection.close(promise: nil) }
    }

    // MARK: Scenario

    /// A call enters `Stasis(app)` (the fake's application unless `app` names another): a Local channel
    /// in state Ring, or, with `trunk`, a call from that PJSIP endpoint (`PJSIP/<trunk>-0000002a`, as
    /// chan_pjsip names it). Returns its channel id.
    @discardableResult
    public func placeCall(callerNumber: String = "+15551230000", extension exten: String = "100", trunk: String? = nil, app: String? = nil) -> String {
        let app = app ?? self.app
        let channel = state.withLock { state -> FakeChannel in
            let id = state.nextID()
            let name = trunk.map { "PJSIP/\($0)-" + String(format: "%08x", state.counter) } ?? "Local/\(exten)@inbound-0000000\(state.counter);2"
            let channel = FakeChannel(
                id: id, name: name, state: "Ring", callerNumber: callerNumber,
                exten: exten, context: "inbound", appData: app, isMedia: false, inStasis: true)
            state.channels[id] = channel
            state.channelApps[id] = app
            return channel
        }
        broadcast("StasisStart", ["channel": FakeAsteriskEvents.channel(channel), "args": [String]()])
        return channel.id
    }

    /// Leaves a media channel and a bridge holding it as a crashed daemon would, created `age` ago, with
    /// ids naming `instance` (nil: untagged ids, as older versions made them). Returns their ids.
    @discardableResult
    public func addLeftovers(age: TimeInterval, instance: String? = nil) -> (channel: String, bridge: String) {
        let suffix = (instance.map { "\($0)-" } ?? "") + UUID().uuidString.lowercased()
        let created = Date().addingTimeInterval(-age)
        let channel = FakeChannel(
            id: "voicegw-m-\(suffix)", name: "UnicastRTP/127.0.0.1:40000-0x7f6248002300", state: "Up", callerNumber: "", exten: "s",
            context: "default", appData: app, isMedia: true, inStasis: true, bridge: "voicegw-b-\(suffix)", created: created)
        state.withLock { state in
            state.channels[channel.id] = channel
            state.bridges["voicegw-b-\(suffix)"] = [channel.id]
            state.bridgeCreated["voicegw-b-\(suffix)"] = created
        }
        return (channel.id, "voicegw-b-\(suffix)")
    }

    /// The caller hangs up: HangupRequest (cause 16), LeftBridge, StasisEnd; no ChannelDestroyed.
    public func hangupCaller(_ id: String) {
        endChannel(id, hangupFields: ["cause": 16], destroyed: false)
    }

    /// The caller presses a key: `ChannelDtmfReceived`, and, as a real bridge passes the DTMF frame on to
    /// its other channels (chan_audiosocket and chan_websocket implement `send_digit_end`; the RTP
    /// ExternalMedia channel drops it), a `0x03` frame or `DTMF_END` to a bridged AudioSocket or
    /// chan_websocket media peer: the same key reaches the daemon twice.
    public func sendDTMF(_ digit: String, on id: String) {
        guard let channel = state.withLock({ $0.channels[id] }) else { return }
        broadcast("ChannelDtmfReceived", ["channel": FakeAsteriskEvents.channel(channel), "digit": digit, "duration_ms": 100])
        if let key = digit.first {
            if let peer = audioSocketPeer(bridgedWith: id) { Task { try? await peer.sendDTMF(key) } }
            webSocketPeer(bridgedWith: id)?.sendDTMF(key)
        }
    }

    /// Drops the event WebSockets like `dropEventConnections(refuseFor:)`, and refuses new ones until
    /// `acceptEventConnections()`: a test that must observe the daemon disconnected does not race a
    /// wall-clock window.
    public func dropEventConnectionsUntilReleased() {
        dropEventConnections(refuseFor: .seconds(3600))
    }

    /// Accepts event WebSockets again.
    public func acceptEventConnections() {
        state.withLock { $0.refuseUntil = nil }
    }

    /// Like `core restart now`: every events WebSocket is closed without a close frame, and new connections
    /// are refused for `refuseFor`.
    public func dropEventConnections(refuseFor: Duration) {
        let clients = state.withLock { state -> [any Channel] in
            state.refuseUntil = ContinuousClock.now + refuseFor
            let clients = Array(state.eventClients.values)
            state.eventClients.removeAll()
            state.eventApps.removeAll()
            state.activeEventClient.removeAll()
            return clients
        }
        for client in clients { client.close(promise: nil) }
    }

    /// Sends the StasisStart of every media channel held by `holdMediaStasis` (and stops holding).
    public func releaseHeldStasis() {
        let held = state.withLock { state -> [String] in
            state.holdingStasis = false
            defer { state.heldStasis = [] }
            return state.heldStasis
        }
        for id in held { enterStasis(id, after: .zero) }
    }

    // MARK: Inspection

    public var requests: [FakeRequest] { state.withLock { $0.requests } }
    public var eventClientCount: Int { state.withLock { $0.eventClients.count } }
    /// Live channels: id -> name.
    public var channels: [String: String] { state.withLock { $0.channels.mapValues(\.name) } }
    public var bridges: [String: [String]] { state.withLock { $0.bridges } }
    /// The variables of each channel that went back to the dialplan through `continue`, by channel id.
    public var continuedChannels: [String: [String: String]] { state.withLock { $0.continued } }
    /// Transfers done through `continue`.
    public var transfers: [(channel: String, context: String, extension: String)] { state.withLock { $0.transfers } }

    /// The RTP peer of the media channel bridged with `callChannel`, once there is one.
    public func rtpPeer(bridgedWith callChannel: String) -> FakeRTPPeer? {
        state.withLock { state in
            guard let bridge = state.channels[callChannel]?.bridge, let members = state.bridges[bridge] else { return nil }
            for member in members { if let peer = state.rtpPeers[member] { return peer } }
            return nil
        }
    }

    /// The AudioSocket peer of the media channel bridged with `callChannel`, once there is one.
    public func audioSocketPeer(bridgedWith callChannel: String) -> FakeAudioSocketPeer? {
        state.withLock { state in
            guard let bridge = state.channels[callChannel]?.bridge, let members = state.bridges[bridge] else { return nil }
            for member in members { if let peer = state.audioSocketPeers[member] { return peer } }
            return nil
        }
    }

    /// The chan_websocket peer of the media channel bridged with `callChannel`, once there is one.
    public func webSocketPeer(bridgedWith callChannel: String) -> FakeMediaWebSocketPeer? {
        state.withLock { state in
            guard let bridge = state.channels[callChannel]?.bridge, let members = state.bridges[bridge] else { return nil }
            for member in members { if let peer = state.webSocketPeers[member] { return peer } }
            return nil
        }
    }

    /// Any AudioSocket peer created for a media channel (also after it was deleted).
    public var allAudioSocketPeers: [FakeAudioSocketPeer] { state.withLock { Array($0.audioSocketPeers.values) } }
    /// Any chan_websocket peer created for a media channel (also after it was deleted).
    public var allWebSocketPeers: [FakeMediaWebSocketPeer] { state.withLock { Array($0.webSocketPeers.values) } }

    /// Any RTP peer created for a media channel (also after it was deleted).
    public var allRTPPeers: [FakeRTPPeer] { state.withLock { Array($0.rtpPeers.values) } }

    // MARK: Events

    /// Sends an event to the connection that has its application: `app`, or the application of the
    /// channel the event is about (the fake's own application by default).
    func broadcast(_ type: String, _ fields: [String: Any], app: String? = nil) {
        let client = state.withLock { state -> (any Channel, String)? in
            let about = ((fields["channel"] ?? fields["peer"]) as? [String: Any])?["id"] as? String
            let app = app ?? about.flatMap { state.channelApps[$0] } ?? self.app
            let text = FakeAsteriskEvents.event(type, app: app, fields)
            guard let id = state.activeEventClient[app] else { return nil }
            if state.pendingEventClients[id] != nil {
                state.pendingEventClients[id]?.append(text)
                return nil
            }
            return state.eventClients[id].map { ($0, text) }
        }
        guard let (channel, text) = client else { return }
        channel.eventLoop.execute {
            channel.writeAndFlush(WebSocketFrameBox.text(channel.allocator.buffer(string: text)), promise: nil)
        }
    }

    /// An events connection registered `app`: it gets the application's events from now on, and the
    /// connection that had them gets `ApplicationReplaced` (Asterisk 22's `app_update`).
    func register(_ id: ObjectIdentifier, app: String) {
        let replaced = state.withLock { state -> (any Channel)? in
            let previous = state.activeEventClient[app]
            state.activeEventClient[app] = id
            state.eventApps[id] = app
            state.pendingEventClients[id] = []
            return previous.flatMap { state.eventClients[$0] }
        }
        guard let replaced else { return }
        let text = FakeAsteriskEvents.event("ApplicationReplaced", app: app, [:])
        replaced.eventLoop.execute {
            replaced.writeAndFlush(WebSocketFrameBox.text(replaced.allocator.buffer(string: text)), promise: nil)
        }
    }

    /// An events connection closed; if it had its application, the application is inactive until one
    /// registers it again.
    func unregister(_ id: ObjectIdentifier) {
        state.withLock { state in
            state.eventClients[id] = nil
            state.pendingEventClients[id] = nil
            if let app = state.eventApps.removeValue(forKey: id), state.activeEventClient[app] == id {
                state.activeEventClient[app] = nil
            }
        }
    }

    /// The media connection of an AudioSocket or chan_websocket channel closed: Asterisk ends the channel
    /// itself (LeftBridge, StasisEnd, ChannelDestroyed, no HangupRequest; measured on 22.10.1), so a later
    /// DELETE of it is a 404.
    func mediaConnectionEnded(_ id: String) {
        endChannel(id, hangupFields: nil, destroyed: true)
    }

    /// Ends a channel the way Asterisk does: `ChannelHangupRequest` with `hangupFields` (none when nil),
    /// `destroyed` adds ChannelDestroyed (non-Local channels).
    func endChannel(_ id: String, hangupFields: [String: Any]?, destroyed: Bool) {
        guard let channel = state.withLock({ $0.channels.removeValue(forKey: id) }) else { return }
        state.withLock { $0.ami }?.hangupEvent(channel, cause: hangupFields?["cause"] as? Int ?? 16)
        if var fields = hangupFields {
            fields["channel"] = FakeAsteriskEvents.channel(channel)
            broadcast("ChannelHangupRequest", fields)
        }
        if let bridge = channel.bridge {
            let members = state.withLock { state -> [String] in
                state.bridges[bridge]?.removeAll { $0 == id }
                return state.bridges[bridge] ?? []
            }
            broadcast("ChannelLeftBridge", ["channel": FakeAsteriskEvents.channel(channel), "bridge": FakeAsteriskEvents.bridge(bridge, channels: members)])
        }
        if channel.inStasis { broadcast("StasisEnd", ["channel": FakeAsteriskEvents.channel(channel)]) }
        if destroyed {
            broadcast("ChannelDestroyed", ["channel": FakeAsteriskEvents.channel(channel), "cause": 16, "cause_txt": "Normal Clearing"])
        }
        if channel.isMedia {
            let (rtp, socket, webSocket) = state.withLock { ($0.rtpPeers[id], $0.audioSocketPeers[id], $0.webSocketPeers[id]) }
            rtp?.close()
            socket?.close()
            webSocket?.close()
        }
    }
}
