import Domain
import Synchronization

/// How a conversation opens its call's transcription stream (a chain's first provider that can keep one).
struct CallStreamSource: Sendable {
    typealias Opened = Result<(stream: any CallTranscriptionStream, provider: String), ProviderError>
    /// Opens a stream; nil when no provider can (the failure is returned for the record).
    let open: @Sendable (TranscriptionOptions) async -> Opened?
    /// A stream of `provider` broke.
    let broke: @Sendable (ProviderError, _ provider: String) -> Void
}

/// The listener's call stream: opening it (in the background, or again at a speech start), taking its
/// results, filling gaps with silence, and handing an utterance to a session of its own when it breaks.
extension ListenerState {
    /// Opens the stream again at a speech start (after a failure): the utterance starting goes to it.
    mutating func openStream() async {
        guard let source = listener.callStream else { return }
        take(opened: await source.open(listener.options), midUtterance: false)
    }

    /// A stream that opened is used at once, unless it opened in the background while an utterance went to
    /// a session of its own (then after it); one that could not open is recorded and tried again later.
    mutating func take(opened result: CallStreamSource.Opened?, midUtterance: Bool = true) {
        switch result {
        case .success(let (stream, provider))?:
            if midUtterance && (session != nil || endpointer.isInSpeech) {
                deferred = (stream, provider)
            } else {
                adopt(stream, provider: provider)
            }
        case .failure(let error)?:
            _ = listener.record(error)
            retryAt = clock.monotonic() + UtteranceListener.streamRetry
        case nil:
            break
        }
    }

    mutating func adopt(_ stream: any CallTranscriptionStream, provider: String) {
        generation += 1
        let (feed, generation) = (feed, generation)
        let forwarder = Task {
            for await event in stream.events { feed.yield(.vendor(event, generation: generation)) }
        }
        self.stream = OpenStream(stream: stream, provider: provider, forwarder: forwarder)
        utterance = StreamedUtterance(settings: listener.configuration.streaming)
        listener.logger.debug("speech-to-text stream opened for the call", metadata: ["stt.provider": "\(provider)"])
    }

    /// The stream broke: it is recorded, and an utterance in progress goes on in a session of its own
    /// with the audio kept for it (completed at once if the caller had already stopped).
    mutating func streamBroke(_ error: any Error) async {
        guard let open = stream else { return }
        let failure = listener.record(error)
        listener.callStream?.broke(failure, open.provider)
        await closeStream()
        retryAt = clock.monotonic() + UtteranceListener.streamRetry
        let wasOpen = utterance.isOpen
        let speaking = endpointer.isInSpeech
        utterance = StreamedUtterance(settings: listener.configuration.streaming)
        guard wasOpen else { return }
        if held.isEmpty { held = preroll }
        session = await startSession(preroll: held)
        held = []
        if !speaking, let active = session {
            session = nil
            await finish(active, speechEndedAt: clock.monotonic())
        }
    }

    mutating func closeStream() async {
        guard let open = stream else { return }
        stream = nil
        open.forwarder.cancel()
        await open.stream.close()
    }

    /// Sends silence for `gap` without packets, so the vendor's endpointing hears the pause.
    mutating func streamSilence(_ gap: Duration) async {
        guard let open = stream else { return }
        silenceOwed += gap
        let frame = AudioFrame(samples: [Int16](repeating: 0, count: listener.options.sampleRate / 50), sampleRate: listener.options.sampleRate)
        var frames = 0
        while silenceOwed >= .milliseconds(20) && frames < 50 {
            silenceOwed -= .milliseconds(20)
            frames += 1
            do { try await open.stream.send(frame) } catch {
                await streamBroke(error)
                return
            }
        }
        if let silence = endpointer.silence { await perform(utterance.silence(silence)) }
    }

    mutating func perform(_ outputs: [StreamedUtterance.Output]) async {
        for output in outputs {
            switch output {
            case .utterance(let transcript, let speechEndedAt, let settled, let byVendor):
                held = []
                if byVendor {
                    // The vendor ended it first: the daemon's endpointer starts over, so more speech is a new utterance.
                    endpointer.reset()
                    preroll.removeAll()
                }
                var delivered = transcript
                delivered.isFinal = settled
                listener.deliver(
                    delivered, provider: stream?.provider ?? listener.stt.name, speechEndedAt: speechEndedAt,
                    endpointing: byVendor ? "vendor" : "daemon", signals: signals)
            case .provisional(let text):
                signals.yield(.provisional(Redactor.redact(text)))
            case .withdraw:
                signals.yield(.provisionalWithdrawn)
            case .finalize:
                await stream?.stream.finalize()
            }
        }
    }
}

/// Set once: `take()` is true the first time only.
final class OnceFlag: Sendable {
    private let taken = Mutex(false)
    func take() -> Bool { taken.withLock { was in defer { was = true }; return !was } }
    var isTaken: Bool { taken.withLock { $0 } }
}
