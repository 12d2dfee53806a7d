import Domain

/// Where a call records the media channel and bridge it uses, so that a restarted daemon can tell
/// which of the server's media channels and bridges are still in use and which are leftovers.
public enum CallMediaReference {
    /// Metadata key of the external media channel id.
    public static let mediaChannelKey = "media_channel_id"
    /// Metadata key of the bridge id.
    public static let bridgeKey = "bridge_id"

    /// Records `attachment` in `call`'s metadata.
    public static func record(_ attachment: MediaAttachment, in call: inout Call) {
        call.metadata[mediaChannelKey] = attachment.mediaChannel.rawValue
        call.metadata[bridgeKey] = attachment.bridge?.rawValue
    }

    /// The media channel and bridge ids `call` references.
    public static func ids(of call: Call) -> Set<String> {
        Set([call.metadata[mediaChannelKey], call.metadata[bridgeKey]].compactMap { $0 })
    }
}
