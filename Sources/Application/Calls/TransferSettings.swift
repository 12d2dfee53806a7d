import Domain

/// How transfers are carried out (`calls.transfer.*`).
public struct TransferSettings: Sendable, Hashable {
    /// The mode of a transfer that does not name one (every agent's; an operator's without `mode`).
    public var mode: TransferMode = .blind
    /// The dialplan context a blind transfer continues in, and a warm transfer dials queues and
    /// extensions through (`Local/EXT@context`): `ari.transfer_context`.
    public var context = "voicegw-transfer"
    /// Said to the caller while a warm transfer rings the target.
    public var holdLine = "Please hold while I connect you."
    /// Said when a warm transfer's target does not answer (busy, no answer); the caller is back with the agent.
    public var noAnswerLine = "Sorry, nobody could take your call right now. I'm still here to help."
    /// Said when a transfer fails otherwise (Asterisk refused it).
    public var failedLine = "Sorry, I couldn't transfer you. I'm still here to help."
    /// How long a warm transfer rings its target.
    public var ringTimeout: Duration = .seconds(30)
    /// How many of the caller's last lines make the summary for the human.
    public var summaryLines = 3

    public init() {}
}

/// What a transfer left to clean up once the call has been handed on.
struct WarmTransferLeg: Sendable, Hashable {
    /// The target's channel, bridged with the caller.
    let channel: ChannelID
    /// The bridge holding both.
    let bridge: BridgeID
    /// Where the events of both parties arrive once bridged.
    let handle: CallHandle

    static func == (a: Self, b: Self) -> Bool { a.channel == b.channel && a.bridge == b.bridge }
    func hash(into hasher: inout Hasher) { hasher.combine(channel) }
}
