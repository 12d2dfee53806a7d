/// How call audio travels between Asterisk and the daemon.
public enum MediaTransportKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// ExternalMedia over RTP/UDP.
    case rtp
    /// ExternalMedia with AudioSocket encapsulation over TCP.
    case audiosocket
    /// chan_websocket (Asterisk 22.8+).
    case websocket
}

/// What a media session asks the telephony server for (the parameters of ARI `externalMedia`).
public struct MediaOffer: Sendable, Hashable {
    public var transport: MediaTransportKind
    /// `IP:PORT` the telephony server should send media to (empty for chan_websocket server mode).
    public var externalHost: String
    /// Asterisk's format name (`ulaw`, `alaw`, `slin16`).
    public var format: String
    /// Opaque data for the server (the AudioSocket UUID).
    public var data: String?

    public init(transport: MediaTransportKind, externalHost: String, format: String, data: String? = nil) {
        self.transport = transport
        self.externalHost = externalHost
        self.format = format
        self.data = data
    }

    /// The sample rate of the line's codec: 8000 for G.711 and `slin`, 16000 for `slin16`, 48000 for Opus.
    public var lineRate: Int {
        switch format {
        case "slin12": 12_000
        case "slin16", "g722": 16_000
        case "slin24": 24_000
        case "slin32": 32_000
        case "slin44": 44_100
        case "slin48", "opus": 48_000
        default: 8_000
        }
    }
}

/// What the telephony server created for a media session.
public struct MediaAttachment: Sendable, Hashable {
    /// The call's channel.
    public var callChannel: ChannelID
    /// The external media channel.
    public var mediaChannel: ChannelID
    /// The bridge joining the two (nil until bridged).
    public var bridge: BridgeID?
    /// The media channel's variables (`UNICASTRTP_LOCAL_ADDRESS`, `UNICASTRTP_LOCAL_PORT`,
    /// `MEDIA_WEBSOCKET_CONNECTION_ID`).
    public var variables: [String: String]

    public init(callChannel: ChannelID, mediaChannel: ChannelID, bridge: BridgeID?, variables: [String: String]) {
        self.callChannel = callChannel
        self.mediaChannel = mediaChannel
        self.bridge = bridge
        self.variables = variables
    }
}

/// How a playback ended.
public enum PlaybackOutcome: Sendable, Hashable {
    /// Every sample was sent.
    case completed(sent: Duration)
    /// `flush()` cut it short (barge-in) or the session closed.
    case interrupted(sent: Duration)

    /// How much audio left the daemon.
    public var sent: Duration {
        switch self {
        case .completed(let sent), .interrupted(let sent): sent
        }
    }
}

/// A stream of audio chunks (PCM16 mono at any rate).
public typealias AudioStream = AsyncThrowingStream<AudioFrame, any Error>

/// The audio of one call, both ways.
public protocol MediaSession: Sendable {
    /// What to ask the telephony server for so that its media reaches this session.
    var offer: MediaOffer { get }

    /// Completes the set-up with what the telephony server created (e.g. the address to send RTP to).
    func connect(_ attachment: MediaAttachment) async throws(ProviderError)

    /// Caller audio as 20 ms PCM16 frames at 16 kHz, as it arrives. Nothing is yielded while no packets
    /// arrive (treat that as silence). Finishes when the session closes.
    var inbound: AsyncStream<AudioFrame> { get }

    /// Plays `audio` (any sample rate) to the caller, paced at one 20 ms frame per 20 ms. Returns when the
    /// last frame has been sent, or early with `.interrupted` after `flush()` or `close()`.
    /// `onFirstFrame` runs when the first frame leaves (to measure latency).
    func play(_ audio: AudioStream, onFirstFrame: @escaping @Sendable () -> Void) async throws(ProviderError) -> PlaybackOutcome

    /// Drops all queued outbound audio within one frame (barge-in).
    func flush() async

    /// Stops both directions and releases the session's socket or port. Idempotent.
    func close() async

    /// DTMF digits that arrive in the media stream itself (AudioSocket 0x03 frames, chan_websocket
    /// DTMF_END). Finishes when the session closes. RTP carries none: its digits come as telephony events.
    var digits: AsyncStream<String> { get }

    /// The executor on whose thread the session produces `inbound` and paces `play`, if it has one: tasks
    /// of the call that prefer it (`withTaskExecutorPreference`) are woken per frame without a thread hop.
    /// nil: no preference. Valid once `connect` has returned.
    var preferredExecutor: (any TaskExecutor)? { get }
}

extension MediaSession {
    /// No in-band digits (the default).
    public var digits: AsyncStream<String> { AsyncStream { $0.finish() } }

    /// No preferred executor (the default).
    public var preferredExecutor: (any TaskExecutor)? { nil }
}

/// Makes media sessions (allocates ports, listens for connections).
public protocol MediaEngine: Sendable {
    /// Opens a session for `call` over `transport`. Throws `unavailable` when no port is free.
    func openSession(for call: CallID, transport: MediaTransportKind) async throws(ProviderError) -> any MediaSession
}
