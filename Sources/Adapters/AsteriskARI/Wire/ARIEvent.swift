import Foundation

/// An event of the ARI events WebSocket, decoded by its `type`. Types the daemon does not use decode as
/// `.unknown(type)` and are ignored, so a newer Asterisk adding events breaks nothing.
public enum ARIEvent: Sendable, Hashable {
    case stasisStart(channel: ARIChannel, args: [String])
    case stasisEnd(channel: ARIChannel)
    case channelStateChange(channel: ARIChannel)
    /// `cause` is Q.850 unless `soft`, then a soft-hangup bitmask.
    case channelHangupRequest(channel: ARIChannel, cause: Int?, soft: Bool)
    case channelDestroyed(channel: ARIChannel, cause: Int?, causeText: String?)
    case channelDtmfReceived(channel: ARIChannel, digit: String, durationMilliseconds: Int)
    case channelEnteredBridge(channel: ARIChannel, bridge: ARIBridge)
    case channelLeftBridge(channel: ARIChannel, bridge: ARIBridge)
    case channelVarset(channel: ARIChannel?, variable: String, value: String)
    case channelConnectedLine(channel: ARIChannel)
    case dial(peer: ARIChannel, status: String)
    case bridgeDestroyed(bridge: ARIBridge)
    case playbackStarted(ARIPlayback)
    case playbackFinished(ARIPlayback)
    case recordingStarted(ARIRecording)
    case recordingFinished(ARIRecording)
    /// Another WebSocket registered the same application: from now on Asterisk sends its events there.
    case applicationReplaced(application: String)
    case unknown(type: String)

    /// Decodes one WebSocket text frame.
    public static func decode(_ text: String) throws -> ARIEvent {
        try JSONDecoder().decode(Wire.self, from: Data(text.utf8)).event
    }

    /// The channel the event is about, if any.
    public var channel: ARIChannel? {
        switch self {
        case .stasisStart(let c, _), .stasisEnd(let c), .channelStateChange(let c), .channelHangupRequest(let c, _, _),
            .channelDestroyed(let c, _, _), .channelDtmfReceived(let c, _, _), .channelEnteredBridge(let c, _),
            .channelLeftBridge(let c, _), .channelConnectedLine(let c):
            return c
        case .channelVarset(let c, _, _): return c
        case .dial(let peer, _): return peer
        default: return nil
        }
    }

    private struct Wire: Decodable {
        let event: ARIEvent

        enum Keys: String, CodingKey {
            case type, channel, args, cause, soft, cause_txt, digit, duration_ms, bridge, variable, value, peer, dialstatus
            case playback, recording, application
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Keys.self)
            let type = try c.decode(String.self, forKey: .type)
            func channel() throws -> ARIChannel { try c.decode(ARIChannel.self, forKey: .channel) }
            switch type {
            case "StasisStart": event = .stasisStart(channel: try channel(), args: try c.decodeIfPresent([String].self, forKey: .args) ?? [])
            case "StasisEnd": event = .stasisEnd(channel: try channel())
            case "ChannelStateChange": event = .channelStateChange(channel: try channel())
            case "ChannelHangupRequest":
                event = .channelHangupRequest(
                    channel: try channel(), cause: try c.decodeIfPresent(Int.self, forKey: .cause),
                    soft: try c.decodeIfPresent(Bool.self, forKey: .soft) ?? false)
            case "ChannelDestroyed":
                event = .channelDestroyed(
                    channel: try channel(), cause: try c.decodeIfPresent(Int.self, forKey: .cause),
                    causeText: try c.decodeIfPresent(String.self, forKey: .cause_txt))
            case "ChannelDtmfReceived":
                event = .channelDtmfReceived(
                    channel: try channel(), digit: try c.decode(String.self, forKey: .digit),
                    durationMilliseconds: try c.decodeIfPresent(Int.self, forKey: .duration_ms) ?? 0)
            case "ChannelEnteredBridge": event = .channelEnteredBridge(channel: try channel(), bridge: try c.decode(ARIBridge.self, forKey: .bridge))
            case "ChannelLeftBridge": event = .channelLeftBridge(channel: try channel(), bridge: try c.decode(ARIBridge.self, forKey: .bridge))
            case "ChannelVarset":
                event = .channelVarset(
                    channel: try c.decodeIfPresent(ARIChannel.self, forKey: .channel),
                    variable: try c.decode(String.self, forKey: .variable), value: try c.decodeIfPresent(String.self, forKey: .value) ?? "")
            case "ChannelConnectedLine": event = .channelConnectedLine(channel: try channel())
            case "Dial": event = .dial(peer: try c.decode(ARIChannel.self, forKey: .peer), status: try c.decodeIfPresent(String.self, forKey: .dialstatus) ?? "")
            case "BridgeDestroyed": event = .bridgeDestroyed(bridge: try c.decode(ARIBridge.self, forKey: .bridge))
            case "PlaybackStarted": event = .playbackStarted(try c.decode(ARIPlayback.self, forKey: .playback))
            case "PlaybackFinished": event = .playbackFinished(try c.decode(ARIPlayback.self, forKey: .playback))
            case "RecordingStarted": event = .recordingStarted(try c.decode(ARIRecording.self, forKey: .recording))
            case "RecordingFinished": event = .recordingFinished(try c.decode(ARIRecording.self, forKey: .recording))
            case "ApplicationReplaced": event = .applicationReplaced(application: try c.decodeIfPresent(String.self, forKey: .application) ?? "")
            default: event = .unknown(type: type)
            }
        }
    }
}
