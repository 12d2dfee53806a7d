import Domain
import Synchronization

/// A media session that carries no audio: it offers what it is given and records when `connect` was
/// called, so telephony tests can check the order of set-up (connect before the media channel's
/// StasisStart) without a media engine. `onConnect` runs inside `connect` (e.g. to connect a fake peer).
public final class OfferOnlyMediaSession: MediaSession {
    public let offer: MediaOffer
    public let inbound: AsyncStream<AudioFrame>
    private let feed: AsyncStream<AudioFrame>.Continuation
    private let connected = Mutex<[MediaAttachment]>([])
    private let onConnect: @Sendable (MediaAttachment) async throws(ProviderError) -> Void

    public init(offer: MediaOffer, onConnect: @escaping @Sendable (MediaAttachment) async throws(ProviderError) -> Void = { _ in }) {
        self.offer = offer
        self.onConnect = onConnect
        (inbound, feed) = AsyncStream.makeStream(of: AudioFrame.self)
    }

    /// RTP towards `host` (ulaw), the commonest offer.
    public convenience init(rtpTo host: String) {
        self.init(offer: MediaOffer(transport: .rtp, externalHost: host, format: "ulaw"))
    }

    /// The attachments `connect` was called with, in order.
    public var connections: [MediaAttachment] { connected.withLock { $0 } }

    public func connect(_ attachment: MediaAttachment) async throws(ProviderError) {
        connected.withLock { $0.append(attachment) }
        try await onConnect(attachment)
    }

    public func play(_ audio: AudioStream, onFirstFrame: @escaping @Sendable () -> Void) async throws(ProviderError) -> PlaybackOutcome {
        .completed(sent: .zero)
    }

    public func flush() async {}
    public func close() async { feed.finish() }
}
