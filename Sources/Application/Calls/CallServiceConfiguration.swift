import Domain

/// Settings of the call service.
public struct CallServiceConfiguration: Sendable, Hashable {
    /// This daemon instance.
    public var instanceID: InstanceID
    /// Media transport when the tenant does not choose one.
    public var defaultTransport: MediaTransportKind = .rtp
    /// Calls beyond this many are refused with congestion; nil for no limit.
    public var maxConcurrentCalls: Int?
    /// Turn-taking settings.
    public var conversation = ConversationConfiguration()

    public init(instanceID: InstanceID) {
        self.instanceID = instanceID
    }
}
