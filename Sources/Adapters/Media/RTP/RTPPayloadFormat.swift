/// The inbound audio formats of ExternalMedia RTP and their payload types.
public enum RTPPayloadFormat: String, Sendable, Hashable, CaseIterable {
    /// G.711 mu-law, PT 0, 8 kHz.
    case ulaw
    /// G.711 A-law, PT 8, 8 kHz.
    case alaw
    /// Signed linear 16 kHz big-endian (Asterisk `slin16`), PT 118.
    case slin16
    /// Opus (RFC 7587), 48 kHz RTP clock, Asterisk's PT 107.
    case opus

    /// The payload type Asterisk uses for it.
    public var payloadType: UInt8 {
        switch self {
        case .ulaw: 0
        case .alaw: 8
        case .slin16: 118
        case .opus: 107
        }
    }

    /// The RTP timestamp clock.
    public var clockRate: Int {
        switch self {
        case .ulaw, .alaw: 8_000
        case .slin16: 16_000
        case .opus: 48_000
        }
    }

    /// The format for a payload type; nil for one the daemon does not take.
    public init?(payloadType: UInt8) {
        switch payloadType {
        case 0: self = .ulaw
        case 8: self = .alaw
        case 118: self = .slin16
        case 107, 111: self = .opus  // 111 is what most other stacks use for Opus
        default: return nil
        }
    }
}
