import Domain

/// Settings of the call service.
public struct CallServiceConfiguration: Sendable, Hashable {
    /// This daemon instance.
    public var instanceID: InstanceID
    /// Media transport when the tenant does not choose one.
    public var defaultTransport: MediaTransportKind = .rtp
    /// Calls beyond this many are sent back to the dialplan (`VOICEGW_REFUSED=capacity`); nil for no limit.
    public var maxConcurrentCalls: Int?
    /// After a restart, pick up calls whose channel is still in the application (false: hang them up).
    public var reattach = true
    /// How often calls are checked against the telephony server (also on every event reconnection).
    public var reconcileInterval: Duration = .seconds(30)
    /// Media channels and bridges of the daemon that no call uses are deleted once this old.
    public var orphanGrace: Duration = .seconds(30)
    /// The number media-only calls (dialplan AudioSocket) are looked up under in the tenant directory
    /// ("" picks the default tenant).
    public var mediaOnlyCallNumber = ""
    /// How long live calls may go on after a graceful shutdown starts (`shutdown.grace_ms`).
    public var shutdownGrace: Duration = .seconds(10)
    /// Said to each call still live when the grace period ends, before it is hung up ("" says nothing).
    public var shutdownGoodbye = "Sorry, this line is closing now. Goodbye."
    /// External numbers an operator may transfer a call to (`calls.allowed_destinations`).
    public var allowedDestinations = DestinationPolicy.none
    /// Transfers: default mode, lines, ring timeout.
    public var transfer = TransferSettings()
    /// Call recording (`calls.recording.*`).
    public var recording = RecordingSettings()
    /// The daemon's own lines per tenant and language (`conversation.lines_file`).
    public var lines = LineBook()
    /// Outbound calls: dial template, who speaks first, idempotency.
    public var outbound = OutboundSettings()
    /// Turn-taking settings.
    public var conversation = ConversationConfiguration()

    public init(instanceID: InstanceID) {
        self.instanceID = instanceID
    }
}
