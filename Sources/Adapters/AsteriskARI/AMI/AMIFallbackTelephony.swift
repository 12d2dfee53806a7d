import Domain
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// ARI first, the Asterisk Manager Interface when ARI is down (seed §4): while ARI's events connection
/// is down, or when a request fails for want of a connection, a call can still be hung up, transferred
/// (`Setvar` + `Redirect` into the transfer context) and placed (`Originate` into the Stasis
/// application), and a caller's hangup is still seen (AMI `Hangup` events become `hangupRequested` and
/// `channelLeft`), and a call's media channel is hung up when it ends. Everything else (media set-up,
/// bridges, recordings) needs ARI.
///
/// AMI finds a channel by name or by uniqueid, and an ARI channel id is the uniqueid, so ids pass as
/// they are: one Asterisk only (not with `ari.servers`).
public final class AMIFallbackTelephony: Telephony, Service {
    private let primary: any Telephony & Service
    public let ami: AMIClient
    /// The Stasis application (`Originate` puts answered calls there) and the transfer context.
    private let app: String
    private let transferContext: String
    private let logger: Logger
    private let stream: AsyncStream<TelephonyEvent>
    private let continuation: AsyncStream<TelephonyEvent>.Continuation
    /// Whether ARI's events connection is up (from its `connection` events).
    private let ariUp = Mutex(false)
    private let fallbacks: Counter

    public init(primary: any Telephony & Service, ami: AMIClient, app: String, transferContext: String, metricsFactory: any MetricsFactory, logger: Logger) {
        self.primary = primary
        self.ami = ami
        self.app = app
        self.transferContext = transferContext
        self.logger = logger
        self.fallbacks = Counter(label: "voicegw_ami_fallback_actions_total", factory: metricsFactory)
        (stream, continuation) = AsyncStream.makeStream(of: TelephonyEvent.self, bufferingPolicy: .unbounded)
    }

    public func events() -> AsyncStream<TelephonyEvent> { stream }

    /// Runs ARI and AMI and merges their events, until graceful shutdown.
    public func run() async throws {
        let ariEvents = primary.events()
        let amiEvents = ami.events()
        await withDiscardingTaskGroup { group in
            group.addTask { [primary] in try? await primary.run() }
            group.addTask { [ami] in try? await ami.run() }
            group.addTask { [self] in
                for await event in ariEvents {
                    if case .connection(let state) = event { ariUp.withLock { $0 = state == .connected } }
                    continuation.yield(event)
                }
                // ARI is over (shutdown): so are the events.
                continuation.finish()
            }
            group.addTask { [self] in
                for await message in amiEvents where message.event == "Hangup" {
                    // While ARI's events flow they say it first; AMI only fills the gap.
                    guard !ariUp.withLock({ $0 }), let id = message["Uniqueid"], !id.isEmpty else { continue }
                    fallbacks.increment()
                    logger.notice("a hangup seen through AMI while ARI is down", metadata: ["channel.id": "\(id)"])
                    continuation.yield(.hangupRequested(ChannelID(id), cause: message["Cause"].flatMap { Int($0) }, soft: false))
                    continuation.yield(.channelLeft(ChannelID(id)))
                }
            }
        }
    }

    public func connectionState() async -> TelephonyConnectionState { await primary.connectionState() }

    /// Whether to skip ARI: its events connection is down and AMI is up.
    private func ariDown() async -> Bool {
        await primary.connectionState() == .disconnected && ami.isConnected
    }

    /// `body` through ARI, else (ARI down, or its request failed for want of a connection) `fallback`
    /// through AMI.
    private func withFallback(_ what: String, _ body: () async throws(ProviderError) -> Void, fallback: () async throws(ProviderError) -> Void) async throws(ProviderError) {
        if await !ariDown() {
            do throws(ProviderError) {
                try await body()
                return
            } catch {
                guard [.network, .timeout, .unavailable].contains(error.kind), ami.isConnected else { throw error }
                logger.warning("ARI failed; trying AMI", metadata: ["action": "\(what)", "error": "\(error)"])
            }
        }
        fallbacks.increment()
        try await fallback()
    }

    public func hangup(_ channel: ChannelID, cause: HangupCause) async throws(ProviderError) {
        try await withFallback("hangup", { () async throws(ProviderError) in try await primary.hangup(channel, cause: cause) }) { () async throws(ProviderError) in
            do throws(ProviderError) {
                try await ami.send("Hangup", [("Channel", channel.rawValue), ("Cause", "\(cause.rawValue)")])
            } catch {
                guard error.kind == .badRequest else { throw error }  // "No such channel": gone already
            }
        }
    }

    public func transfer(_ channel: ChannelID, to target: TransferTarget, variables: [String: String]) async throws(ProviderError) {
        try await withFallback("transfer", { () async throws(ProviderError) in try await primary.transfer(channel, to: target, variables: variables) }) {
            () async throws(ProviderError) in
            for (name, value) in variables.sorted(by: { $0.key < $1.key }) {
                try await ami.send("Setvar", [("Channel", channel.rawValue), ("Variable", name), ("Value", value)])
            }
            try await ami.send("Redirect", [
                ("Channel", channel.rawValue), ("Context", transferContext), ("Exten", target.dialplanExtension), ("Priority", "1"),
            ])
        }
    }

    public func originate(_ request: OriginateRequest) async throws(ProviderError) -> ChannelID {
        try await withFallback("originate", { () async throws(ProviderError) in _ = try await primary.originate(request) }) { () async throws(ProviderError) in
            var fields: [(String, String)] = [
                ("Channel", request.endpoint), ("Application", "Stasis"), ("Data", ([app] + request.arguments).joined(separator: ",")),
                ("ChannelId", request.channelID.rawValue), ("Timeout", "\(max(1, request.timeout.components.seconds) * 1000)"), ("Async", "true"),
            ]
            if let callerID = request.callerID { fields.append(("CallerID", callerID)) }
            try await ami.send("Originate", fields)
        }
        return request.channelID
    }

    // Everything else needs ARI.

    public func answer(_ channel: ChannelID) async throws(ProviderError) { try await primary.answer(channel) }
    public func startMedia(for channel: ChannelID, session: any MediaSession) async throws(ProviderError) -> MediaAttachment {
        try await primary.startMedia(for: channel, session: session)
    }
    /// With ARI down, the media channel is hung up through AMI (the empty bridge is left to the
    /// reconciliation after ARI is back: AMI has no bridge actions).
    public func stopMedia(_ attachment: MediaAttachment) async {
        guard await ariDown() else {
            await primary.stopMedia(attachment)
            return
        }
        fallbacks.increment()
        do { try await ami.send("Hangup", [("Channel", attachment.mediaChannel.rawValue), ("Cause", "16")]) } catch {
            logger.warning("media channel not hung up through AMI; reconciliation deletes it once ARI is back", metadata: [
                "channel.id": "\(attachment.mediaChannel)", "error": "\(error)",
            ])
        }
    }
    public func play(_ media: String, on channel: ChannelID) async throws(ProviderError) { try await primary.play(media, on: channel) }
    public func sendDTMF(_ digits: String, to channel: ChannelID) async throws(ProviderError) { try await primary.sendDTMF(digits, to: channel) }
    public func bridge(_ channels: [ChannelID], as id: BridgeID) async throws(ProviderError) { try await primary.bridge(channels, as: id) }
    public func startRecording(_ bridge: BridgeID, name: String, format: String) async throws(ProviderError) {
        try await primary.startRecording(bridge, name: name, format: format)
    }
    public func stopRecording(_ name: String, discard: Bool) async throws(ProviderError) { try await primary.stopRecording(name, discard: discard) }
    public func returnToDialplan(_ channel: ChannelID, reason: String) async throws(ProviderError) {
        try await primary.returnToDialplan(channel, reason: reason)
    }
    public func inventory() async throws(ProviderError) -> TelephonyInventory { try await primary.inventory() }
    public func deleteBridge(_ bridge: BridgeID) async throws(ProviderError) { try await primary.deleteBridge(bridge) }
    public func adopt(_ channel: ChannelID) async throws(ProviderError) { try await primary.adopt(channel) }
}


