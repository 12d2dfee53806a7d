import Domain

/// What `ARITelephony` tracks between events and requests. Plain state behind the adapter's lock.
struct ARIState {
    var connected = false
    /// Another WebSocket took the application over (`ApplicationReplaced`) on this connection.
    var replaced = false
    /// External media channels this adapter created (their events are not calls).
    var mediaChannels: Set<String> = []
    /// Media channels whose StasisStart arrived.
    var startedMedia: Set<String> = []
    var mediaWaiters: [String: CheckedContinuation<Void, Never>] = [:]
    var playbackWaiters: [String: CheckedContinuation<Void, Never>] = [:]
    var finishedPlaybacks: Set<String> = []
    /// The last non-empty `Dial` status of each dialling channel, until it is answered or destroyed.
    var dialStatuses: [String: String] = [:]

    /// Records a media channel's StasisStart; returns the waiter to resume, if one waits.
    mutating func mediaStarted(_ id: String) -> CheckedContinuation<Void, Never>? {
        startedMedia.insert(id)
        return mediaWaiters.removeValue(forKey: id)
    }

    mutating func forgetMedia(_ id: String) -> CheckedContinuation<Void, Never>? {
        mediaChannels.remove(id)
        startedMedia.remove(id)
        return mediaWaiters.removeValue(forKey: id)
    }
}

/// Channel technologies that are never calls (ExternalMedia of this or an earlier daemon).
let mediaTechnologies = ["UnicastRTP/", "AudioSocket/", "WebSocket/"]
