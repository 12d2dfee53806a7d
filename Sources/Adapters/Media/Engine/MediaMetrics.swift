import Metrics

/// Counters of the media path, created once with bounded labels.
public struct MediaMetrics: Sendable {
    let packetsIn: Counter
    let packetsOut: Counter
    /// Packets the kernel refused or had no buffer for (dropped: real-time audio is never sent late).
    let sendFailures: Counter
    let sessionsOpened: Counter
    let portsExhausted: Counter
    private let dropped: [String: Counter]
    private let droppedOther: Counter
    private let framesDropped: [String: Counter]
    let sessionsByTransport: [String: Counter]

    /// Reasons an AudioSocket or chan_websocket frame is dropped (bounded label values).
    public static let frameDropReasons = ["oversized_frame", "unknown_kind", "bad_uuid", "unknown_uuid", "not_audio", "bad_payload_size",
                                          "empty_text", "malformed_text", "after_close", "other"]

    /// Reasons a packet is dropped (bounded label values).
    public static let dropReasons = ["too_short", "wrong_version", "csrc_past_end", "extension_past_end", "bad_padding", "rtcp",
                                     "unknown_payload_type", "bad_payload_size", "duplicate_or_late", "after_close",
                                     "unknown_source", "oversized"]

    /// Creates every counter up front (bounded label sets).
    public init(factory: any MetricsFactory) {
        packetsIn = Counter(label: "voicegw_rtp_packets_received_total", factory: factory)
        packetsOut = Counter(label: "voicegw_rtp_packets_sent_total", factory: factory)
        sendFailures = Counter(label: "voicegw_rtp_send_failures_total", factory: factory)
        sessionsOpened = Counter(label: "voicegw_media_sessions_total", dimensions: [("transport", "rtp")], factory: factory)
        portsExhausted = Counter(label: "voicegw_media_port_exhausted_total", factory: factory)
        var dropped: [String: Counter] = [:]
        for reason in Self.dropReasons {
            dropped[reason] = Counter(label: "voicegw_rtp_packets_dropped_total", dimensions: [("reason", reason)], factory: factory)
        }
        self.dropped = dropped
        droppedOther = Counter(label: "voicegw_rtp_packets_dropped_total", dimensions: [("reason", "other")], factory: factory)
        var frames: [String: Counter] = [:]
        for transport in ["audiosocket", "websocket"] {
            for reason in Self.frameDropReasons {
                frames["\(transport)/\(reason)"] = Counter(
                    label: "voicegw_media_frames_dropped_total", dimensions: [("transport", transport), ("reason", reason)], factory: factory)
            }
        }
        framesDropped = frames
        var sessions: [String: Counter] = [:]
        for transport in ["audiosocket", "websocket"] {
            sessions[transport] = Counter(label: "voicegw_media_sessions_total", dimensions: [("transport", transport)], factory: factory)
        }
        sessionsByTransport = sessions
    }

    func drop(_ reason: String) {
        (dropped[reason] ?? droppedOther).increment()
    }

    /// Counts a dropped AudioSocket (`transport` "audiosocket") or chan_websocket ("websocket") frame.
    func dropFrame(_ transport: String, _ reason: String) {
        (framesDropped["\(transport)/\(reason)"] ?? framesDropped["\(transport)/other"])?.increment()
    }
}
