import Domain

/// A `MediaEngine` with no sockets: its sessions (`InMemoryMediaSession`) are driven by the test, and it
/// keeps every session it opened so a test can reach the one a call uses and check that every session
/// was closed.
///
/// Offers look like the real engines' (RTP ulaw towards a port, AudioSocket slin16 with a UUID,
/// chan_websocket slin16) with a host from the TEST-NET-1 documentation range, which nothing listens on.
public actor InMemoryMediaEngine: MediaEngine {
    private var opened: [InMemoryMediaSession] = []
    private var nextPort = 40_000
    private var openFailures: [ProviderError] = []
    private var connectFailure: ProviderError?
    private let holdsPlayback: Bool

    /// `holdsPlayback`: every new session starts with playback held (see `InMemoryMediaSession`).
    public init(holdsPlayback: Bool = false) {
        self.holdsPlayback = holdsPlayback
    }

    /// Opens a session for `call`; throws a failure queued with `failNextOpen`, if any.
    public func openSession(for call: CallID, transport: MediaTransportKind) async throws(ProviderError) -> any MediaSession {
        if !openFailures.isEmpty { throw openFailures.removeFirst() }
        let session = InMemoryMediaSession(
            call: call, offer: offer(for: transport), connectFailure: connectFailure, held: holdsPlayback)
        opened.append(session)
        return session
    }

    // MARK: Test side

    /// The next `openSession` throws `error` (like `unavailable` when no port is free).
    public func failNextOpen(_ error: ProviderError) {
        openFailures.append(error)
    }

    /// Sessions opened from now on fail `connect` with `error` (nil: they connect).
    public func failConnects(with error: ProviderError?) {
        connectFailure = error
    }

    /// Every session opened, in order.
    public var sessions: [InMemoryMediaSession] { opened }

    /// The latest session opened for `call`.
    public func session(for call: CallID) -> InMemoryMediaSession? {
        opened.last { $0.call == call }
    }

    /// Sessions opened and not yet closed.
    public func openSessions() async -> [InMemoryMediaSession] {
        var open: [InMemoryMediaSession] = []
        for session in opened where await !session.isClosed { open.append(session) }
        return open
    }

    private func offer(for transport: MediaTransportKind) -> MediaOffer {
        switch transport {
        case .rtp:
            nextPort += 2
            return MediaOffer(transport: .rtp, externalHost: "192.0.2.1:\(nextPort)", format: "ulaw")
        case .audiosocket:
            return MediaOffer(transport: .audiosocket, externalHost: "192.0.2.1:9092", format: "slin16", data: UUIDv4.random())
        case .websocket:
            return MediaOffer(transport: .websocket, externalHost: "", format: "slin16")
        }
    }
}
