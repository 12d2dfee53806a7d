import Domain

/// Everything that can happen during a conversation, merged into one stream for `ConversationManager`.
enum ConversationSignal: Sendable {
    case speechStarted
    /// The barge-in judge's verdict on the caller's voice (whatever plays).
    case bargeIn(BargeInJudge.Event)
    /// A final transcript; `speechEndedAt` is when the caller actually stopped talking (monotonic).
    case utterance(Transcript, speechEndedAt: Duration)
    /// The caller paused mid-utterance: the text so far (redacted), which the agent may start on.
    case provisional(String)
    /// The caller went on after a provisional text.
    case provisionalWithdrawn
    case transcriptionFailed(ProviderError)
    case digits(String)
    /// The response `id` asks for digits (its prompt may still be playing).
    case digitsRequested(id: Int, DigitRequest)
    /// The response's first audio left for the caller.
    case responseSpeaking(id: Int)
    case responseFinished(id: Int, TurnTakingMachine.ResponseEnding)
    case tick
    /// The caller's audio stopped for good (media closed).
    case mediaEnded
    /// The daemon is closing the call (drain deadline): say this line (none when empty), then end.
    case closing(String)
    /// An operator's line or transfer.
    case command(CallCommand)
}
