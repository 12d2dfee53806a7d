/// A call that arrives over media alone, without the telephony server's call control: the dialplan
/// runs `AudioSocket(UUID,host:port)`, Asterisk connects to the daemon, and the UUID of the first frame
/// names the call. There is no ARI channel: the caller hanging up closes the connection, and the daemon
/// ends the call by closing it (the dialplan then continues after `AudioSocket()`).
public struct MediaOnlyCall: Sendable {
    /// The UUID the dialplan passed to `AudioSocket()`.
    public var id: String
    /// The connected media session (caller audio in, paced audio out, in-band DTMF).
    public var session: any MediaSession

    public init(id: String, session: any MediaSession) {
        self.id = id
        self.session = session
    }
}

/// Where media-only calls come from (the AudioSocket server, when dialplan calls are enabled).
public protocol MediaCallSource: Sendable {
    /// The calls as their connections arrive. There is one consumer: the call service.
    func mediaCalls() -> AsyncStream<MediaOnlyCall>
}
