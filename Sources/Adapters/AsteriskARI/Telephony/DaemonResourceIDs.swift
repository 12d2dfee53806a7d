import Domain

/// Ids of what the daemon creates on Asterisk: they tell its own media channels and bridges apart from
/// everything else on a shared server, and say which instance created them:
/// `voicegw-m-<instance>-<uuid>` (`voicegw-m-<uuid>` from a version or a configuration without one).
public enum DaemonResourceIDs {
    public static let mediaChannelPrefix = "voicegw-m-"
    public static let bridgePrefix = "voicegw-b-"
    /// The length of a UUID and its separator.
    private static let uuidTail = 37

    /// A new media channel id for `instance`.
    public static func mediaChannel(instance: String) -> String { mediaChannelPrefix + tagged(instance) }

    /// A new bridge id for `instance`.
    public static func bridge(instance: String) -> String { bridgePrefix + tagged(instance) }

    /// The instance a daemon id names; nil when `id` is not one or carries no instance.
    public static func owner(of id: String) -> InstanceID? {
        for prefix in [mediaChannelPrefix, bridgePrefix] where id.hasPrefix(prefix) {
            let rest = id.dropFirst(prefix.count)
            guard rest.count > uuidTail else { return nil }
            return InstanceID(String(rest.dropLast(uuidTail)))
        }
        return nil
    }

    private static func tagged(_ instance: String) -> String {
        instance.isEmpty ? UUIDv4.random() : "\(instance)-\(UUIDv4.random())"
    }
}
