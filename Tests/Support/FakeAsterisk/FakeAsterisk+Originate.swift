import Foundation

/// Outbound calls as Asterisk 22.10.1 reports them (captures in Tests/Fixtures/asterisk-22.10.1/originate):
/// `POST /channels` answers 200 with the channel `Down` (409 for an id in use, 500 "Allocation failed"
/// for a technology without a channel driver); the app then sees the dial's `Dial` events (`peer` is the
/// channel, `dialstatus` RINGING, ANSWER, BUSY, NOANSWER, CONGESTION) and either `StasisStart` (answered)
/// or `ChannelDestroyed`, whose cause alone does not tell busy from a failure (both 0).
extension FakeAsterisk {
    /// Channel technologies the fake has drivers for.
    static let channelDrivers: Set<String> = ["PJSIP", "Local", "IAX2", "DAHDI"]

    func originate(_ query: [String: String]) -> FakeResponse {
        guard let endpoint = query["endpoint"], let app = query["app"], !app.isEmpty else { return .message(400, "endpoint and app are required") }
        let technology = endpoint.split(separator: "/").first.map(String.init) ?? ""
        guard Self.channelDrivers.contains(technology), endpoint.contains("/") else { return .json(500, ["error": "Allocation failed"]) }
        let id = query["channelId"] ?? state.withLock { $0.nextID() }
        var channel = FakeChannel(
            id: id, name: "\(endpoint)-00000001", state: "Down", callerNumber: query["callerId"] ?? "", exten: "s", context: "default",
            appData: "(Outgoing Line)", isMedia: false, inStasis: false)
        channel.originated = true
        channel.variables["__appArgs"] = query["appArgs"] ?? ""  // handed back in StasisStart when answered
        let created = state.withLock { state -> Bool in
            guard state.channels[id] == nil else { return false }
            state.channels[id] = channel
            state.channelApps[id] = app
            return true
        }
        guard created else { return .message(409, "Channel with given unique ID already exists") }
        broadcast("Dial", ["peer": FakeAsteriskEvents.channel(channel), "dialstring": endpoint, "forward": "", "dialstatus": ""])
        return .json(200, FakeAsteriskEvents.channel(channel))
    }

    /// The callee's phone rings: `ChannelStateChange` (Ringing) and `Dial` RINGING.
    public func ringOriginated(_ id: String) {
        guard let channel = updateDialling(id, state: "Ringing") else { return }
        broadcast("ChannelStateChange", ["channel": FakeAsteriskEvents.channel(channel)])
        dialStatus(channel, "RINGING")
    }

    /// The far end of an originated channel answers: `ChannelStateChange` Up, `Dial` ANSWER, then it
    /// enters the app `Up` with the originate's `appArgs`. Returns false for an unknown channel or one
    /// already in the app.
    @discardableResult
    public func answerOriginated(_ id: String) -> Bool {
        let entered = state.withLock { state -> (FakeChannel, [String])? in
            guard var channel = state.channels[id], !channel.inStasis, !channel.isMedia else { return nil }
            channel.state = "Up"
            channel.inStasis = true
            let args = (channel.variables["__appArgs"] ?? "").split(separator: ",").map(String.init)
            // 22.10.1: app_data is the whole Stasis() argument, "app,arg1,arg2".
            channel.appData = ([state.channelApps[id] ?? self.app] + args).joined(separator: ",")
            state.channels[id] = channel
            return (channel, args)
        }
        guard let (channel, args) = entered else { return false }
        broadcast("ChannelStateChange", ["channel": FakeAsteriskEvents.channel(channel)])
        dialStatus(channel, "ANSWER")
        broadcast("StasisStart", ["channel": FakeAsteriskEvents.channel(channel), "args": args])
        return true
    }

    /// The callee is busy: `Dial` BUSY, then `ChannelDestroyed` with cause 0 (as measured, not 17).
    public func busyOriginated(_ id: String) {
        guard let channel = removeDialling(id) else { return }
        dialStatus(channel, "BUSY")
        destroyed(channel, cause: 0, text: "Unknown")
    }

    /// Nobody answers before the originate's timeout: ringing, then `ChannelHangupRequest` and
    /// `ChannelDestroyed` with cause 19 (no final `Dial` status).
    public func noAnswerOriginated(_ id: String) {
        ringOriginated(id)
        guard let channel = removeDialling(id) else { return }
        broadcast("ChannelHangupRequest", ["channel": FakeAsteriskEvents.channel(channel), "cause": 19])
        destroyed(channel, cause: 19, text: "User alerting, no answer")
    }

    private func updateDialling(_ id: String, state newState: String) -> FakeChannel? {
        state.withLock { state in
            guard var channel = state.channels[id], channel.originated, !channel.inStasis else { return nil }
            channel.state = newState
            state.channels[id] = channel
            return channel
        }
    }

    private func removeDialling(_ id: String) -> FakeChannel? {
        state.withLock { state in
            guard let channel = state.channels[id], channel.originated, !channel.inStasis else { return nil }
            return state.channels.removeValue(forKey: id)
        }
    }

    func dialStatus(_ channel: FakeChannel, _ status: String) {
        broadcast("Dial", ["peer": FakeAsteriskEvents.channel(channel), "dialstring": channel.name, "forward": "", "dialstatus": status])
    }

    private func destroyed(_ channel: FakeChannel, cause: Int, text: String) {
        broadcast("ChannelDestroyed", ["channel": FakeAsteriskEvents.channel(channel), "cause": cause, "cause_txt": text])
    }
}
