/// A speech-to-speech agent: a model that hears the caller's audio and answers with audio of its own
/// (no separate speech-to-text and text-to-speech), such as the OpenAI Realtime API.
///
/// The port is what the gateway needs from any such model, and fits the ones in use without change:
///
/// | port                     | OpenAI Realtime                                        | Deepgram Voice Agent            | Gemini Live                          |
/// |--------------------------|--------------------------------------------------------|---------------------------------|--------------------------------------|
/// | `connect`                | WebSocket + `session.update`                           | WebSocket + `Settings`          | WebSocket + `setup`                  |
/// | `send(_:)`               | `input_audio_buffer.append`                            | binary audio message            | `realtimeInput.audio`                |
/// | `say(_:)`                | `conversation.item.create` (user text) + `response.create` | `InjectUserMessage`         | `clientContent` turn                 |
/// | `endTurn()` (daemon VAD) | `input_audio_buffer.commit` + `response.create`        | (not needed: it takes turns)    | `realtimeInput.activityEnd`          |
/// | `interrupt(played:)`     | `response.cancel` + `conversation.item.truncate`       | nothing (the agent stops itself)| nothing (the server stops itself)    |
/// | `complete(_:output:)`    | `function_call_output` item + `response.create`        | `FunctionCallResponse`          | `toolResponse`                       |
/// | `.speechStarted`         | `input_audio_buffer.speech_started`                    | `UserStartedSpeaking`           | `serverContent.interrupted`          |
/// | `.speechStopped`         | `input_audio_buffer.speech_stopped`                    | (not sent: `.callerSaid` stands in) | (not sent)                     |
/// | `.callerSaid`            | `conversation.item.input_audio_transcription.completed`| `ConversationText` role user    | `serverContent.inputTranscription`   |
/// | `.audio`                 | `response.output_audio.delta`                          | binary audio message            | `serverContent.modelTurn` audio part |
/// | `.agentSaid`             | `response.output_audio_transcript.done`                | `ConversationText` role assistant | `serverContent.outputTranscription` |
/// | `.action`                | `response.function_call_arguments.done`                | `FunctionCallRequest`           | `toolCall.functionCalls`             |
/// | `.responseDone`          | `response.done`                                        | `AgentAudioDone`                | `serverContent.turnComplete`         |
public protocol SpeechToSpeechAgent: Sendable {
    /// The configured name (`realtime`).
    var name: String { get }

    /// Opens the session of a call whose line carries audio at `lineRate` Hz (8000 for G.711 calls: an
    /// adapter then uses the model's G.711 format if it has one). Throws a classified `ProviderError`.
    func connect(_ context: AgentContext, lineRate: Int) async throws(ProviderError) -> any SpeechToSpeechSession
}

/// One call's session with a speech-to-speech agent.
public protocol SpeechToSpeechSession: Sendable {
    /// What the agent does, in order. Ends when the session closes; throws `ProviderError` when the
    /// vendor fails or goes away.
    var events: AsyncThrowingStream<SpeechToSpeechEvent, any Error> { get }

    /// Streams one frame of the caller's audio (any rate: the adapter converts to the vendor's format).
    func send(_ frame: AudioFrame) async

    /// Hands the agent a turn in text (keyed digits, a line the daemon wants answered), and asks it to
    /// answer.
    func say(_ text: String) async

    /// Whether the model takes the turns itself (its own voice activity detection). When false the daemon
    /// endpoints the caller and calls `endTurn()`, and its own speech start is the barge-in.
    var detectsTurns: Bool { get }

    /// The caller finished a turn (the daemon's endpointing): the model answers what it has heard.
    func endTurn() async

    /// The caller talked over the agent: stop the answer, and forget what the caller did not hear
    /// (`played` of the current answer's audio reached the caller).
    func interrupt(played: Duration) async

    /// The result of an action the agent asked for (`SpeechToSpeechEvent.action` with a `callID`); the
    /// agent answers it.
    func complete(_ callID: String, output: String) async

    /// Ends the session.
    func close() async
}

/// What a speech-to-speech agent does.
public enum SpeechToSpeechEvent: Sendable, Hashable {
    /// The model's voice activity detection heard the caller start speaking (a barge-in while it talks).
    case speechStarted
    /// The model's voice activity detection heard the caller stop (the end of the turn, for latency).
    /// Models that do not say so leave it out.
    case speechStopped
    /// What the caller said, transcribed.
    case callerSaid(String)
    /// Audio of the agent's answer, to play as it arrives.
    case audio(AudioFrame)
    /// The text of what the agent said (its whole answer).
    case agentSaid(String)
    /// The agent asks for an action; `callID` is given back to `complete` with its result.
    case action(AgentAction, callID: String)
    /// The agent finished its answer (all its audio has been sent).
    case responseDone
}
