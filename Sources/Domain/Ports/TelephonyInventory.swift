/// A channel as the telephony server lists it (ARI `GET /channels`), for reconciliation after a restart
/// or a reconnect.
public struct ChannelSnapshot: Sendable, Hashable {
    public var id: ChannelID
    public var name: String
    /// Asterisk's channel state (`Ring`, `Up`...).
    public var state: String
    /// Whether the channel is in the daemon's application (Stasis), per `GET /applications/{app}`.
    public var inApplication: Bool
    /// Whether the daemon created it as a media channel (ExternalMedia).
    public var isDaemonMedia: Bool
    /// When the server created it, if it says.
    public var createdAt: Timestamp?
    /// The instance that created this media channel (from its id); nil for channels the daemon did not
    /// create and for media of a version that did not tag its ids.
    public var owner: InstanceID?
    /// Whether the channel is in a Stasis application at all (this one or another instance's), so that
    /// it can be moved into this one.
    public var inStasis: Bool

    public init(
        id: ChannelID, name: String, state: String, inApplication: Bool, isDaemonMedia: Bool, createdAt: Timestamp? = nil,
        owner: InstanceID? = nil, inStasis: Bool? = nil
    ) {
        self.id = id
        self.name = name
        self.state = state
        self.inApplication = inApplication
        self.isDaemonMedia = isDaemonMedia
        self.createdAt = createdAt
        self.owner = owner
        self.inStasis = inStasis ?? inApplication
    }
}

/// A bridge the daemon created.
public struct BridgeSnapshot: Sendable, Hashable {
    public var id: BridgeID
    public var channels: [ChannelID]
    public var createdAt: Timestamp?
    /// The instance that created it (from its id); nil for an untagged id.
    public var owner: InstanceID?

    public init(id: BridgeID, channels: [ChannelID], createdAt: Timestamp? = nil, owner: InstanceID? = nil) {
        self.id = id
        self.channels = channels
        self.createdAt = createdAt
        self.owner = owner
    }
}

/// What exists on the telephony server that concerns the daemon: the channels in its application (and
/// those in other Stasis applications, which a takeover may move into it), the media channels and the
/// bridges it created.
public struct TelephonyInventory: Sendable, Hashable {
    public var channels: [ChannelSnapshot]
    public var bridges: [BridgeSnapshot]
    /// False when part of the telephony (one of several servers) could not answer: a channel missing
    /// from the inventory may still exist there.
    public var complete = true

    public init(channels: [ChannelSnapshot], bridges: [BridgeSnapshot]) {
        self.channels = channels
        self.bridges = bridges
    }

    /// The channel with `id`, if it exists.
    public func channel(_ id: ChannelID) -> ChannelSnapshot? { channels.first { $0.id == id } }
}
