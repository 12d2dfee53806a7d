import Domain

/// Channel claims in process memory: instances sharing one process (tests), and the reference
/// behaviour the Redis claims are checked against.
public actor InMemoryChannelClaims: ChannelClaims {
    private var holders: [ChannelID: InstanceID] = [:]

    public init() {}

    public func claim(_ channel: ChannelID, for instance: InstanceID) async throws -> Bool {
        if let holder = holders[channel] { return holder == instance }
        holders[channel] = instance
        return true
    }
}
