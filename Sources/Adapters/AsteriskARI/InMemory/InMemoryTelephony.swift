import Domain

/// The `Telephony` port in process memory, behaving like the Asterisk 22 that `ARITelephony` talks to
/// (docs/asterisk.md), for tests of the call service with no sockets:
///
/// - a call arrives `Ring` (`channelEntered`); answering, playing to or transferring an unknown channel
///   is refused (`badRequest`, as ARI's 404 is);
/// - `startMedia` creates the media channel, connects the session, lets the channel enter, and only then
///   bridges (a session whose `connect` throws leaves nothing behind);
/// - the caller hanging up gives `hangupRequested(cause: 16, soft: false)` then `channelLeft`; the daemon
///   hanging up gives `hangupRequested(cause: 32, soft: true)` then `channelLeft`; hanging up a gone
///   channel succeeds; transfer and `returnToDialplan` make the channel leave (`channelLeft` only);
/// - media channels and bridges stay until the daemon deletes them, and never appear as calls.
///
/// The test drives the far side through the scenario methods (`placeCall`, `hangUpCaller`,
/// `pressDigit`, `answerOriginated`, `setConnected`) and inspects what the daemon did.
public actor InMemoryTelephony: Telephony {
    /// A channel on the in-memory server.
    public struct Channel: Sendable, Hashable {
        public var id: ChannelID
        public var name: String
        /// Asterisk's state name (`Ring`, `Up`, `Down`).
        public var state: String
        public var callerNumber: String
        public var extensionNumber: String
        public var context: String
        public var arguments: [String]
        /// In the daemon's application (after its StasisStart).
        public var inApplication: Bool
        /// An external media channel the daemon created.
        public var isMedia: Bool
        public var bridge: BridgeID?
        public var variables: [String: String]
        public var createdAt: Timestamp?
        /// In another instance's Stasis application (which `adopt` moves it out of).
        public var otherApplication: String? = nil
    }

    /// A transfer the daemon asked for: where the channel continues in the dialplan.
    public struct Transfer: Sendable, Hashable {
        public var channel: ChannelID
        public var target: TransferTarget
        public var context: String
        /// The extension the channel continues at (queue name, extension or E.164 number).
        public var extensionName: String

        public init(channel: ChannelID, target: TransferTarget, context: String, extensionName: String) {
            self.channel = channel
            self.target = target
            self.context = context
            self.extensionName = extensionName
        }
    }

    /// A recording of a bridge.
    public struct Recording: Sendable, Hashable {
        public enum State: Sendable, Hashable { case recording, done, discarded }
        public var bridge: BridgeID
        public var format: String
        public var state: State
    }

    /// Digits the daemon sent towards a caller.
    public struct SentDTMF: Sendable, Hashable {
        public var channel: ChannelID
        public var digits: String

        public init(channel: ChannelID, digits: String) {
            self.channel = channel
            self.digits = digits
        }
    }

    /// The dialplan context transferred channels continue in (as `ARITelephony.Configuration`).
    public nonisolated let transferContext: String
    private nonisolated let stream: AsyncStream<TelephonyEvent>
    nonisolated let continuation: AsyncStream<TelephonyEvent>.Continuation
    let clock: (any Domain.Clock)?
    var counter = 0
    var connection = TelephonyConnectionState.connected
    var pendingOriginates: [ChannelID: OriginateRequest] = [:]
    /// The next originate is refused (as Asterisk 22 refuses an unknown technology: 500).
    var refuseNextOriginate = false
    /// Transfers fail (a test of the way back to the agent).
    var refuseTransfers = false
    var bridgeCreated: [BridgeID: Timestamp] = [:]

    /// Live channels by id: calls in the application and the daemon's media channels.
    public internal(set) var channels: [ChannelID: Channel] = [:]
    /// Live bridges and their members.
    public internal(set) var bridges: [BridgeID: [ChannelID]] = [:]
    /// Channels the daemon answered, in order.
    public internal(set) var answered: [ChannelID] = []
    /// Call channels the daemon hung up, with the cause it gave.
    public internal(set) var hungUp: [ChannelID: HangupCause] = [:]
    /// Channels sent back to the dialplan, with the `VOICEGW_REFUSED` reason.
    public internal(set) var returnedToDialplan: [ChannelID: String] = [:]
    /// Transfers, in order.
    public internal(set) var transfers: [Transfer] = []
    /// Recordings by name.
    public internal(set) var recordings: [String: Recording] = [:]
    /// The channel variables each transferred channel was given.
    public internal(set) var transferredVariables: [ChannelID: [String: String]] = [:]
    /// DTMF the daemon sent, in order.
    public internal(set) var sentDTMF: [SentDTMF] = []
    /// Sounds played through the server (`play`), in order.
    public internal(set) var playedSounds: [(media: String, channel: ChannelID)] = []
    /// Outbound calls requested, in order.
    public internal(set) var originated: [OriginateRequest] = []

    /// `clock` stamps channel and bridge creation times (nil: none, as a server that does not say).
    public init(clock: (any Domain.Clock)? = nil, transferContext: String = "voicegw-transfer") {
        self.clock = clock
        self.transferContext = transferContext
        (stream, continuation) = AsyncStream.makeStream(of: TelephonyEvent.self, bufferingPolicy: .unbounded)
    }

    /// The one stream of events (one consumer, as with `ARITelephony`).
    public nonisolated func events() -> AsyncStream<TelephonyEvent> { stream }

    public func connectionState() async -> TelephonyConnectionState { connection }

    // MARK: Scenario

    /// A call enters the application in state `Ring`, as a Local channel from the dialplan's `Stasis()`.
    @discardableResult
    public func placeCall(caller: String = "+15551230000", extension exten: String = "100", arguments: [String] = []) -> ChannelID {
        let id = nextChannelID()
        let channel = Channel(
            id: id, name: "Local/\(exten)@inbound-\(counter);2", state: "Ring", callerNumber: caller, extensionNumber: exten,
            context: "inbound", arguments: arguments, inApplication: true, isMedia: false, variables: [:], createdAt: clock?.now())
        channels[id] = channel
        continuation.yield(.channelEntered(incoming(channel)))
        return id
    }

    /// A call in another instance's application `app` (its events do not reach this one), as a dead
    /// instance leaves it for a takeover.
    @discardableResult
    public func placeCall(inApplication app: String, id: ChannelID? = nil, caller: String = "+15551230000", extension exten: String = "100") -> ChannelID {
        let id = id ?? nextChannelID()
        channels[id] = Channel(
            id: id, name: "Local/\(exten)@inbound-\(counter);2", state: "Up", callerNumber: caller, extensionNumber: exten,
            context: "inbound", arguments: [], inApplication: false, isMedia: false, variables: [:], createdAt: clock?.now(),
            otherApplication: app)
        return id
    }

    /// The caller hangs up: `hangupRequested(cause: 16, soft: false)`, then `channelLeft`. A channel
    /// already gone is ignored.
    public func hangUpCaller(_ id: ChannelID) {
        endChannel(id, cause: 16, soft: false)
    }

    /// The caller presses a key (ARI `ChannelDtmfReceived`, 100 ms).
    public func pressDigit(_ digit: String, on id: ChannelID) {
        guard channels[id] != nil else { return }
        continuation.yield(.dtmf(id, digit: digit, duration: .milliseconds(100)))
    }

    /// The far end answers an originated call: it enters the application, `Up`, with the request's
    /// arguments. Returns false if no such call is pending.
    @discardableResult
    public func answerOriginated(_ id: ChannelID) -> Bool {
        guard let request = pendingOriginates.removeValue(forKey: id) else { return false }
        let channel = Channel(
            id: id, name: "\(request.endpoint)-\(counter)", state: "Up", callerNumber: request.callerID ?? "", extensionNumber: "s",
            context: "default", arguments: request.arguments, inApplication: true, isMedia: false, variables: [:], createdAt: clock?.now())
        channels[id] = channel
        continuation.yield(.channelEntered(incoming(channel)))
        return true
    }

    /// The dial of an originated call ends without an answer: the channel is destroyed with `cause` and
    /// the dial's last status, as Asterisk 22 reports them (busy: cause 0, `BUSY`; no answer: 19,
    /// `RINGING`; rejected: 21, `NOANSWER`; unroutable: 0, nil). Returns false if no such call is pending.
    @discardableResult
    public func failOriginated(_ id: ChannelID, cause: Int, dialStatus: String?) -> Bool {
        guard pendingOriginates.removeValue(forKey: id) != nil else { return false }
        continuation.yield(.channelDestroyed(id, cause: cause, dialStatus: dialStatus))
        return true
    }

    /// Transfers fail from now on (`true`), or work again.
    public func setRefuseTransfers(_ refuse: Bool) {
        refuseTransfers = refuse
    }

    /// The next `originate` fails as Asterisk refuses a dial string it cannot allocate (500 "Allocation failed").
    public func failNextOriginate() {
        refuseNextOriginate = true
    }

    /// The event connection goes up or down (`connection` event). Commands keep working meanwhile, as
    /// ARI's REST does while only the WebSocket is down.
    public func setConnected(_ up: Bool) {
        connection = up ? .connected : .disconnected
        continuation.yield(.connection(connection))
    }

    /// Ends the event stream (the server went away for good).
    public func finishEvents() {
        continuation.finish()
    }

    // MARK: Helpers

    func nextChannelID() -> ChannelID {
        counter += 1
        return ChannelID("1767225600.\(counter)")
    }

    func incoming(_ channel: Channel) -> IncomingChannel {
        IncomingChannel(
            id: channel.id, name: channel.name, state: channel.state, callerNumber: channel.callerNumber,
            extensionNumber: channel.extensionNumber, context: channel.context, arguments: channel.arguments)
    }

    /// Removes a channel from its bridge (the bridge stays, as in Asterisk) and from the server.
    @discardableResult
    func remove(_ id: ChannelID) -> Channel? {
        guard let channel = channels.removeValue(forKey: id) else { return nil }
        if let bridge = channel.bridge { bridges[bridge]?.removeAll { $0 == id } }
        return channel
    }

    /// A call channel hangs up: `hangupRequested`, then `channelLeft` if it was in the application.
    func endChannel(_ id: ChannelID, cause: Int, soft: Bool) {
        guard let channel = remove(id) else { return }
        guard !channel.isMedia else { return }  // media channel events are not calls
        continuation.yield(.hangupRequested(id, cause: cause, soft: soft))
        if channel.inApplication { continuation.yield(.channelLeft(id)) }
    }

    /// A call channel leaves the application alive (transfer, back to the dialplan): `channelLeft` only.
    func leave(_ id: ChannelID) {
        guard remove(id) != nil else { return }
        continuation.yield(.channelLeft(id))
    }

    static func notFound(_ what: String) -> ProviderError {
        ProviderError(.badRequest, provider: "ari", "\(what): 404 Channel not found")
    }
}
