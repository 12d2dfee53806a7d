/// A channel that entered the daemon's Stasis application and is a call (not one of the daemon's own
/// media channels).
public struct IncomingChannel: Sendable, Hashable {
    public var id: ChannelID
    /// The channel name (`PJSIP/trunk-00000001`, `Local/100@inbound-00000000;2`).
    public var name: String
    /// Asterisk's channel state at arrival (`Ring` for an inbound call, `Up` for an answered originate).
    public var state: String
    public var callerNumber: String
    public var callerName: String
    /// The dialled extension (the DID for inbound calls).
    public var extensionNumber: String
    public var context: String
    /// The arguments of `Stasis(app,args...)`.
    public var arguments: [String]
    /// The name of the Asterisk server it is on, when the daemon serves several (`ari.servers`).
    public var server: String = ""

    public init(
        id: ChannelID, name: String, state: String, callerNumber: String = "", callerName: String = "",
        extensionNumber: String = "", context: String = "", arguments: [String] = []
    ) {
        self.id = id
        self.name = name
        self.state = state
        self.callerNumber = callerNumber
        self.callerName = callerName
        self.extensionNumber = extensionNumber
        self.context = context
        self.arguments = arguments
    }

    /// Whether the channel still needs answering.
    public var isRinging: Bool { state == "Ring" || state == "Ringing" || state == "Down" }
}

/// Whether the daemon's event connection to the telephony server is up.
public enum TelephonyConnectionState: String, Sendable, Hashable {
    case connected, disconnected
}

/// What the telephony server tells the daemon about calls.
public enum TelephonyEvent: Sendable, Hashable {
    /// A call entered the application (ARI `StasisStart` of a caller channel).
    case channelEntered(IncomingChannel)
    /// Someone asked to hang up the channel. `cause` is Q.850 unless `soft`, then a soft-hangup bitmask.
    case hangupRequested(ChannelID, cause: Int?, soft: Bool)
    /// The channel left the application (ARI `StasisEnd`): the call is over for the daemon.
    case channelLeft(ChannelID)
    /// The channel is gone (ARI `ChannelDestroyed`), with its Q.850 cause and, for a channel the daemon
    /// originated, the last status of its dial (ARI `Dial`: `BUSY`, `NOANSWER`, `CONGESTION`, `RINGING`...).
    /// For an originated channel that never entered the application this is how the dial ended; the
    /// cause alone does not tell (Asterisk 22 destroys a busy channel with cause 0).
    case channelDestroyed(ChannelID, cause: Int?, dialStatus: String?)
    /// The caller pressed a key.
    case dtmf(ChannelID, digit: String, duration: Duration)
    /// The event connection went up or down.
    case connection(TelephonyConnectionState)
}

/// Why the daemon hangs up a channel (a Q.850 cause).
public struct HangupCause: RawRepresentable, Hashable, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// 16, normal clearing.
    public static let normal = HangupCause(rawValue: 16)
    /// 17, user busy.
    public static let busy = HangupCause(rawValue: 17)
    /// 34, no circuit available (overload).
    public static let congestion = HangupCause(rawValue: 34)
    /// 41, temporary failure.
    public static let temporaryFailure = HangupCause(rawValue: 41)
}

extension Telephony {
    /// Hands the channel to the dialplan towards `target`, setting no variables.
    public func transfer(_ channel: ChannelID, to target: TransferTarget) async throws(ProviderError) {
        try await transfer(channel, to: target, variables: [:])
    }
}

/// A request to place an outbound call.
public struct OriginateRequest: Sendable, Hashable {
    /// The dial string (`PJSIP/+15551234567@trunk`).
    public var endpoint: String
    public var callerID: String?
    public var timeout: Duration
    /// Passed back in the channel's `StasisStart` arguments so the call can be matched.
    public var arguments: [String]
    /// The channel id to use (so the caller knows it before the channel exists).
    public var channelID: ChannelID

    public init(endpoint: String, callerID: String? = nil, timeout: Duration = .seconds(30), arguments: [String] = [], channelID: ChannelID) {
        self.endpoint = endpoint
        self.callerID = callerID
        self.timeout = timeout
        self.arguments = arguments
        self.channelID = channelID
    }
}

/// The telephony server (Asterisk over ARI): call control and the events of the daemon's application.
///
/// Every method throws `ProviderError` (kind `network` while disconnected, `badRequest` when the server
/// refuses, `timeout`...).
public protocol Telephony: Sendable {
    /// The events of the application, in arrival order. There is one consumer: the call service.
    func events() -> AsyncStream<TelephonyEvent>

    /// Whether the event connection is up now.
    func connectionState() async -> TelephonyConnectionState

    /// Answers a ringing channel.
    func answer(_ channel: ChannelID) async throws(ProviderError)

    /// Hangs up a channel. Hanging up a channel that is already gone succeeds.
    func hangup(_ channel: ChannelID, cause: HangupCause) async throws(ProviderError)

    /// Connects the call's audio to `session`, in the order a real Asterisk needs: creates the external
    /// media channel described by `session.offer`, connects the session to it (`session.connect`), waits
    /// until that channel is in the application, and bridges it with `channel`. (A chan_websocket channel
    /// enters the application only once its media WebSocket is connected, and bridging a channel before it
    /// is in the application fails, so no other order works for every transport.)
    /// Cleans up what it created if any step fails; the session itself is left to the caller to close.
    func startMedia(for channel: ChannelID, session: any MediaSession) async throws(ProviderError) -> MediaAttachment

    /// Deletes the external media channel and the bridge of `attachment`. Never throws: what is already
    /// gone counts as deleted; other failures are logged and counted.
    func stopMedia(_ attachment: MediaAttachment) async

    /// Plays a server-side sound (`sound:hello-world`) on a channel; returns when it finished.
    func play(_ media: String, on channel: ChannelID) async throws(ProviderError)

    /// Sends DTMF digits towards the caller.
    func sendDTMF(_ digits: String, to channel: ChannelID) async throws(ProviderError)

    /// Hands the channel to the dialplan towards `target` (the call leaves the application), with
    /// `variables` set on the channel first (for the dialplan and the human: `VOICEGW_CALL_ID`...).
    func transfer(_ channel: ChannelID, to target: TransferTarget, variables: [String: String]) async throws(ProviderError)

    /// Creates a mixing bridge `id` holding `channels` (two parties of a warm transfer).
    func bridge(_ channels: [ChannelID], as id: BridgeID) async throws(ProviderError)

    /// Starts recording everything `bridge` carries into `name`.`format` on the telephony server (ARI
    /// `POST /bridges/{id}/record`); the recording ends with the bridge.
    func startRecording(_ bridge: BridgeID, name: String, format: String) async throws(ProviderError)

    /// Stops the live recording `name`, keeping the file, or deleting it (`discard`, a caller's
    /// opt-out). A recording already over succeeds.
    func stopRecording(_ name: String, discard: Bool) async throws(ProviderError)

    /// Refuses a call without hanging up: sets the channel variable `VOICEGW_REFUSED` to `reason` and
    /// lets the channel leave the application to continue in the dialplan at the next priority, so the
    /// PBX can route it elsewhere (a draining or full daemon). A channel already gone succeeds.
    func returnToDialplan(_ channel: ChannelID, reason: String) async throws(ProviderError)

    /// Places an outbound call; it enters the application (as `channelEntered`) when answered.
    func originate(_ request: OriginateRequest) async throws(ProviderError) -> ChannelID

    /// What exists now: the channels in the application and the media channels and bridges the daemon
    /// created (for reconciliation after a restart or a reconnect).
    func inventory() async throws(ProviderError) -> TelephonyInventory

    /// Deletes a bridge the daemon created. Deleting a bridge that is already gone succeeds.
    func deleteBridge(_ bridge: BridgeID) async throws(ProviderError)

    /// Moves `channel`, in another Stasis application of the same server (a dead instance's), into this
    /// daemon's application (ARI `POST /channels/{id}/move`). It enters again as `channelEntered` with
    /// the arguments `["takeover"]`. Throws `badRequest` when the channel is gone or in no application.
    func adopt(_ channel: ChannelID) async throws(ProviderError)
}
