import Domain

/// Which Asterisk server each id belongs to, for `ARIServerPool`. A plain value behind the pool's lock.
///
/// Ids Asterisk chose (an inbound channel's `1795340170.12`) may repeat between servers, so the pool
/// shows them prefixed with the server's name (`pbx2/1795340170.12`). Ids the daemon chose
/// (`voicegw-m-…`, `voicegw-b-…`, `voicegw-o-…`, `voicegw-x-…`) are unique already: they stay as they
/// are, and the server that has each is remembered (learnt again from the inventory after a restart).
struct ARIServerRoutes {
    /// The servers' names, in configuration order.
    let names: [String]
    private var daemonIDs: [String: Int] = [:]
    private var recordings: [String: Int] = [:]

    init(names: [String]) {
        self.names = names
    }

    static func isDaemonID(_ raw: String) -> Bool { raw.hasPrefix("voicegw-") }

    /// The id the daemon sees for `raw` on server `index` (remembering a daemon id's server).
    mutating func external(_ raw: String, server index: Int) -> String {
        if Self.isDaemonID(raw) {
            daemonIDs[raw] = index
            return raw
        }
        return "\(names[index])/\(raw)"
    }

    /// The server of an id the daemon chose, from now on.
    mutating func remember(_ raw: String, server index: Int) {
        daemonIDs[raw] = index
    }

    /// Forgets a daemon id (its channel or bridge is gone).
    mutating func forget(_ raw: String) {
        daemonIDs[raw] = nil
    }

    /// The server and the server's own id for an id the daemon sees; nil when unknown.
    func route(_ id: String) -> (server: Int, raw: String)? {
        if let slash = id.firstIndex(of: "/"), let index = names.firstIndex(of: String(id[..<slash])) {
            return (index, String(id[id.index(after: slash)...]))
        }
        return daemonIDs[id].map { ($0, id) }
    }

    mutating func remember(recording name: String, server index: Int) {
        recordings[name] = index
    }

    /// The server recording `name`, forgotten once asked for its stop.
    mutating func takeRecording(_ name: String) -> Int? {
        recordings.removeValue(forKey: name)
    }

    /// An event of server `index` with the ids the daemon sees; a destroyed daemon channel is forgotten.
    mutating func map(_ event: TelephonyEvent, from index: Int) -> TelephonyEvent {
        func id(_ raw: ChannelID) -> ChannelID { ChannelID(external(raw.rawValue, server: index)) }
        switch event {
        case .channelEntered(var channel):
            channel.id = id(channel.id)
            channel.server = names[index]
            return .channelEntered(channel)
        case .hangupRequested(let channel, let cause, let soft):
            return .hangupRequested(id(channel), cause: cause, soft: soft)
        case .channelLeft(let channel):
            return .channelLeft(id(channel))
        case .channelDestroyed(let channel, let cause, let status):
            let mapped = id(channel)
            forget(channel.rawValue)
            return .channelDestroyed(mapped, cause: cause, dialStatus: status)
        case .dtmf(let channel, let digit, let duration):
            return .dtmf(id(channel), digit: digit, duration: duration)
        case .connection:
            return event
        }
    }
}
