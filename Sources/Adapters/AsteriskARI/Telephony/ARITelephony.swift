import AsyncHTTPClient
import Domain
import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// The `Telephony` port over Asterisk's REST Interface: call control over REST, call events over the
/// events WebSocket (kept connected by `run()`), with the quirks of a real Asterisk 22 handled
/// (see docs/asterisk.md): calls arrive `Ring`, ExternalMedia must be in Stasis before it is bridged,
/// `StasisEnd` ends a call.
public final class ARITelephony: Telephony, HealthReporting, Service {
    /// Connection settings.
    public struct Configuration: Sendable {
        /// `http://host:8088` (the `/ari` prefix is added).
        public var url: URL
        public var username: String
        public var password: String
        public var app: String
        public var requestTimeout: Duration = .seconds(5)
        /// How long to wait for an ExternalMedia channel to enter the app.
        public var mediaStartTimeout: Duration = .seconds(5)
        /// Dialplan context transferred calls continue in (extension = target).
        public var transferContext: String = "voicegw-transfer"
        public var backoff = ReconnectBackoff()
        /// This instance's id, written into the ids of the media channels and bridges it creates so that
        /// instances sharing a server never take each other's for leftovers (empty: untagged ids).
        public var instance: String = ""
        /// The server's name among several (`ari.servers`; empty for the only one): `/ready` reports it
        /// as `ari:<name>`, not gating readiness (the pool does).
        public var name: String = ""

        public init(url: URL, username: String, password: String, app: String) {
            self.url = url
            self.username = username
            self.password = password
            self.app = app
        }
    }

    public var dependencyName: String { configuration.name.isEmpty ? "ari" : "ari:\(configuration.name)" }
    public var gatesReadiness: Bool { configuration.name.isEmpty }
    let configuration: Configuration
    let rest: ARIRESTClient
    let clock: any Domain.Clock
    let logger: Logger
    let state = Mutex(ARIState())
    private let stream: AsyncStream<TelephonyEvent>
    let continuation: AsyncStream<TelephonyEvent>.Continuation
    private let malformed: Counter
    private let replacements: Counter

    /// `http` defaults to the process-wide shared client.
    public init(configuration: Configuration, http: HTTPClient = .shared, clock: any Domain.Clock, metricsFactory: any MetricsFactory, logger: Logger) {
        self.configuration = configuration
        self.rest = ARIRESTClient(
            baseURL: configuration.url, username: configuration.username, password: configuration.password,
            timeout: configuration.requestTimeout, http: http)
        self.clock = clock
        self.logger = logger
        self.malformed = Counter(label: "voicegw_ari_events_malformed_total", factory: metricsFactory)
        self.replacements = Counter(label: "voicegw_ari_application_replaced_total", factory: metricsFactory)
        (stream, continuation) = AsyncStream.makeStream(of: TelephonyEvent.self, bufferingPolicy: .unbounded)
    }

    public func events() -> AsyncStream<TelephonyEvent> { stream }

    public func connectionState() async -> TelephonyConnectionState {
        state.withLock { $0.connected && !$0.replaced } ? .connected : .disconnected
    }

    /// `disconnected` also while another connection has the application (`ApplicationReplaced`): no
    /// event of it reaches this instance then.
    public func dependencyState() async -> DependencyState {
        state.withLock { $0.connected && !$0.replaced } ? .connected : .disconnected
    }

    /// Keeps the events connection until graceful shutdown or cancellation.
    public func run() async throws {
        var components = URLComponents(url: configuration.url.appendingPathComponent("ari/events"), resolvingAgainstBaseURL: false)
        components?.scheme = configuration.url.scheme == "https" ? "wss" : "ws"
        components?.queryItems = [
            URLQueryItem(name: "app", value: configuration.app),
            URLQueryItem(name: "api_key", value: "\(configuration.username):\(configuration.password)"),
            URLQueryItem(name: "subscribeAll", value: "false"),
        ]
        let connection = ARIEventConnection(url: components?.url?.absoluteString ?? "", clock: clock, logger: logger, backoff: configuration.backoff)
        await cancellingOnGracefulShutdown {
            await connection.run(
                onState: { [self] up in
                    state.withLock {
                        $0.connected = up
                        $0.replaced = false
                    }
                    continuation.yield(.connection(up ? .connected : .disconnected))
                },
                onText: { [self] text in handle(text) })
        }
        state.withLock { $0.connected = false }
        continuation.finish()
    }

    /// Turns one event frame into telephony events.
    func handle(_ text: String) {
        let event: ARIEvent
        do { event = try ARIEvent.decode(text) } catch {
            malformed.increment()
            logger.warning("malformed ARI event ignored", metadata: ["error": "\(error)", "frame": "\(text.prefix(200))"])
            return
        }
        if let channel = event.channel, isMedia(channel) {
            handleMedia(event, channel: channel)
            return
        }
        switch event {
        case .stasisStart(let channel, let args):
            state.withLock { _ = $0.dialStatuses.removeValue(forKey: channel.id) }
            continuation.yield(.channelEntered(IncomingChannel(
                id: ChannelID(channel.id), name: channel.name, state: channel.state,
                callerNumber: channel.caller?.number ?? "", callerName: channel.caller?.name ?? "",
                extensionNumber: channel.dialplan?.exten ?? "", context: channel.dialplan?.context ?? "", arguments: args)))
        case .stasisEnd(let channel):
            continuation.yield(.channelLeft(ChannelID(channel.id)))
        case .channelHangupRequest(let channel, let cause, let soft):
            continuation.yield(.hangupRequested(ChannelID(channel.id), cause: cause, soft: soft))
        case .channelDestroyed(let channel, let cause, _):
            let status = state.withLock { $0.dialStatuses.removeValue(forKey: channel.id) }
            continuation.yield(.channelDestroyed(ChannelID(channel.id), cause: cause, dialStatus: status))
        case .dial(let peer, let status) where !status.isEmpty:
            // Only channels the application is subscribed to are reported (its originates): bounded.
            state.withLock { $0.dialStatuses[peer.id] = status }
        case .channelDtmfReceived(let channel, let digit, let duration):
            continuation.yield(.dtmf(ChannelID(channel.id), digit: digit, duration: .milliseconds(duration)))
        case .applicationReplaced:
            // Asterisk sends an application's events to one WebSocket, the last to register it. This
            // connection stays open (reconnecting would take the application back and start a tug of war)
            // but hears nothing more: not ready until it reconnects.
            state.withLock { $0.replaced = true }
            replacements.increment()
            logger.error("another connection registered Stasis app '\(configuration.app)'; this instance gets no more of its events. Give each instance its own ari.app (docs/scaling.md)")
            continuation.yield(.connection(.disconnected))
        case .playbackFinished(let playback):
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                if let waiter = state.playbackWaiters.removeValue(forKey: playback.id) { return waiter }
                state.finishedPlaybacks.insert(playback.id)
                return nil
            }
            waiter?.resume()
        default:
            break
        }
    }

    private func isMedia(_ channel: ARIChannel) -> Bool {
        state.withLock { $0.mediaChannels.contains(channel.id) } || mediaTechnologies.contains { channel.name.hasPrefix($0) }
    }

    private func handleMedia(_ event: ARIEvent, channel: ARIChannel) {
        switch event {
        case .stasisStart:
            state.withLock { $0.mediaStarted(channel.id) }?.resume()
        case .stasisEnd, .channelDestroyed:
            state.withLock { $0.forgetMedia(channel.id) }?.resume()
        default:
            break
        }
    }
}
