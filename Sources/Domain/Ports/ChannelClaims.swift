/// Which instance handles a channel, when several instances share one telephony application or race to
/// take over a dead instance's call: the first claim wins, atomically, and every other instance leaves
/// the channel alone (docs/scaling.md).
///
/// Errors: a storage failure is a `ProviderError` (the caller decides: an instance that cannot reach the
/// shared store serves the call rather than drop it).
public protocol ChannelClaims: Sendable {
    /// Claims `channel` for `instance`. True when `instance` holds the claim (it was free, or already
    /// `instance`'s); false when another instance holds it.
    func claim(_ channel: ChannelID, for instance: InstanceID) async throws -> Bool
}
