/// Who spoke a turn.
public enum Speaker: String, Hashable, Sendable, Codable {
    case caller, agent, system
}

/// A stage of the voice pipeline whose latency is measured per turn.
public enum PipelineStage: String, Hashable, Sendable, Codable, CaseIterable {
    /// End of caller speech to final transcript.
    case transcription = "stt"
    /// Final transcript to agent reply.
    case agent = "llm"
    /// Reply text to first synthesized audio.
    case synthesis = "tts"
    /// End of caller speech to first reply audio frame handed to media (what the caller feels).
    case response = "response"
}

/// One turn of a conversation: an utterance, a reply, or a system prompt.
public struct Turn: Sendable, Hashable, Codable {
    public var speaker: Speaker
    /// The text, already redacted.
    public var text: String
    public var startedAt: Timestamp
    public var endedAt: Timestamp?
    /// Measured latencies of this turn by stage.
    public var latencies: [PipelineStage: Duration]
    /// The caller talked over this (agent) turn and it was cut short.
    public var interrupted: Bool
    /// DTMF digits that made up this (caller) turn, if it was keyed rather than spoken.
    public var dtmf: String?

    public init(
        speaker: Speaker, text: String, startedAt: Timestamp, endedAt: Timestamp? = nil,
        latencies: [PipelineStage: Duration] = [:], interrupted: Bool = false, dtmf: String? = nil
    ) {
        self.speaker = speaker
        self.text = text
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.latencies = latencies
        self.interrupted = interrupted
        self.dtmf = dtmf
    }
}
