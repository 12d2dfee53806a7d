/// A streaming speech-to-text provider that can keep one session open for a whole call (Deepgram live,
/// Amazon Transcribe streaming): every frame of the call goes to it, silence included, so the vendor's
/// own endpointing can tell where an utterance ends, and no utterance pays for a new connection.
///
/// The daemon still runs its own voice detection (barge-in must not wait for a vendor); the stream adds
/// the vendor's partial text and end-of-speech decisions.
public protocol CallStreamingSpeechToText: SpeechToText {
    /// Opens the call's stream. Throws a classified `ProviderError`.
    func startCallStream(_ options: TranscriptionOptions) async throws(ProviderError) -> any CallTranscriptionStream
}

/// What a call's transcription stream reports, in the order the vendor said it.
public enum CallTranscriptionEvent: Sendable, Hashable {
    /// The interim text of the segment being recognised (replaces the previous partial).
    case partial(String)
    /// A finalised segment. `endOfSpeech`: the vendor's endpointing says the caller stopped talking
    /// (Deepgram `speech_final` or `UtteranceEnd`, Transcribe's end of a result). Text may be empty.
    case segment(Transcript, endOfSpeech: Bool)
    /// The stream failed for good (connection lost, vendor error); nothing follows.
    case failed(ProviderError)
}

/// One call's open transcription stream.
public protocol CallTranscriptionStream: Sendable {
    /// The vendor's results; finishes after `close()` or a failure.
    var events: AsyncStream<CallTranscriptionEvent> { get }

    /// Sends 20 ms of caller audio (or of silence where the line sent none).
    func send(_ frame: AudioFrame) async throws(ProviderError)

    /// Asks the vendor to finalise what it has heard so far (the daemon decided the caller stopped):
    /// the rest of the text arrives as `segment`s. Vendors without such a message ignore it.
    func finalize() async

    /// Ends the stream and releases the connection.
    func close() async
}
