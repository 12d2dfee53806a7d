/// The life cycle of a call.
///
/// `ringing -> answered -> active -> (transferring -> transferred) | ended`, and `failed` from any
/// non-final state. `ended`, `transferred` and `failed` are final.
public enum CallState: String, Hashable, Sendable, Codable, CaseIterable {
    case ringing, answered, active, transferring, transferred, ended, failed

    /// Whether no further transition is allowed.
    public var isFinal: Bool { self == .ended || self == .transferred || self == .failed }

    /// Whether the call still occupies a channel.
    public var isLive: Bool { !isFinal }

    /// Whether the machine allows going from this state to `next`.
    public func canTransition(to next: CallState) -> Bool {
        switch (self, next) {
        case (.ringing, .answered), (.answered, .active), (.active, .transferring),
            (.transferring, .transferred), (.transferring, .active):
            return true
        case (_, .ended), (_, .failed):
            return !isFinal
        default:
            return false
        }
    }
}

/// Whether the caller called us or we called them.
public enum CallDirection: String, Hashable, Sendable, Codable {
    case inbound, outbound
}

/// Why a call ended. Stable strings: they appear in events and in the call document.
public struct EndReason: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    /// The caller hung up.
    public static let callerHangup = EndReason(rawValue: "caller_hangup")
    /// The agent or an operator ended the call.
    public static let gatewayHangup = EndReason(rawValue: "gateway_hangup")
    /// The daemon is shutting down.
    public static let shutdown = EndReason(rawValue: "shutdown")
    /// A failure ended the call.
    public static let error = EndReason(rawValue: "error")
    /// The daemon restarted and the channel was gone.
    public static let gatewayRestart = EndReason(rawValue: "gateway_restart")
    /// Asterisk shut down.
    public static let telephonyShutdown = EndReason(rawValue: "telephony_shutdown")
    /// The call was transferred away.
    public static let transferred = EndReason(rawValue: "transferred")
    /// An outbound call: the callee was busy.
    public static let busy = EndReason(rawValue: "busy")
    /// An outbound call: nobody answered before the timeout.
    public static let noAnswer = EndReason(rawValue: "no_answer")
    /// An outbound call: hung up by an operator (or the daemon's shutdown) before it was answered.
    public static let canceled = EndReason(rawValue: "canceled")
    /// An outbound call could not be placed (refused by Asterisk, the trunk or the network).
    public static let dialFailed = EndReason(rawValue: "dial_failed")
    /// An outbound call reached an answering machine (hung up on, or left a message).
    public static let answeringMachine = EndReason(rawValue: "answering_machine")

    /// Every reason the daemon records (a bounded set: metric labels use it).
    public static let all: [EndReason] = [
        .callerHangup, .gatewayHangup, .shutdown, .error, .gatewayRestart, .telephonyShutdown, .transferred,
        .busy, .noAnswer, .canceled, .dialFailed, .answeringMachine,
    ]
}
