import Metrics

/// Counters of the media path, created once with bounded labels.
public struct MediaMetrics: Sendable {
    let packetsIn: Counter
    let packetsOut: Counter
    let sessionsOpened: Counter
    let portsExhausted: Counter
    private let dropped: [String: Counter]
    private let droppedOther: Counter

    /// Reasons a packet is dropped (bounded label values).
    public static let dropReasons = ["too_short", "wrong_version", "csrc_past_end", "extension_past_end", "bad_padding", "rtcp",
                                     "unknown_payload_type", "bad_payload_size", "duplicate_or_late", "after_close"]

    public init(factory: any MetricsFactory) {
        packetsIn = Counter(label: "voicegw_rtp_packets_received_total", factory: factory)
        packetsOut = Counter(label: "voicegw_rtp_packets_sent_total", factory: factory)
        sessionsOpened = Counter(label: "voicegw_media_sessions_total", dimensions: [("transport", "rtp")], factory: factory)
        portsExhausted = Counter(label: "voicegw_media_port_exhausted_total", factory: factory)
        var dropped: [String: Counter] = [:]
        for reason in Self.dropReasons {
            dropped[reason] = Counter(label: "voicegw_rtp_packets_dropped_total", dimensions: [("reason", reason)], factory: factory)
        }
        self.dropped = dropped
        droppedOther = Counter(label: "voicegw_rtp_packets_dropped_total", dimensions: [("reason", "other")], factory: factory)
    }

    func drop(_ reason: String) {
        (dropped[reason] ?? droppedOther).increment()
    }
}
