import Domain
import Logging

/// Listens to the caller: runs the VAD and endpointer over inbound frames and reports speech starts and
/// final transcripts.
///
/// With a call stream (`callStream`), the whole call's audio goes to one streaming session of the
/// vendor (silence included, gaps without packets filled with silence), and `StreamedUtterance` turns
/// its results into utterances, ending them at the vendor's end-of-speech decision where configured,
/// and offering the text of a pause to the agent early. If the stream cannot be opened or fails, the
/// utterance in progress goes to a per-utterance session with the audio kept for it, and later
/// utterances do too until the stream opens again. Without one, each utterance gets its own session
/// (with a little audio from before the detected start).
struct UtteranceListener: Sendable {
    let stt: any SpeechToText
    let callStream: CallStreamSource?
    let options: TranscriptionOptions
    let configuration: ConversationConfiguration
    let recorder: CallEventRecorder
    let metrics: VoiceMetrics
    let clock: any Domain.Clock
    let logger: Logger
    /// What the daemon played, to tell the caller's voice from its echo (nil: no echo guard).
    var reference: EchoReference?

    /// After a call stream failed to open or broke, the next attempt waits this long.
    static let streamRetry: Duration = .seconds(10)

    enum Input: Sendable {
        case frame(AudioFrame)
        case tick
        /// A result of the call stream opened `generation`-th.
        case vendor(CallTranscriptionEvent, generation: Int)
        /// The call stream opened in the background (or could not be).
        case opened(CallStreamSource.Opened?)
    }

    /// Runs until the inbound audio ends or the task is cancelled, then yields `.mediaEnded`.
    func run(inbound: AsyncStream<AudioFrame>, signals: AsyncStream<ConversationSignal>.Continuation) async {
        let (inputs, feed) = AsyncStream.makeStream(of: Input.self, bufferingPolicy: .bufferingNewest(2000))
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await frame in inbound { feed.yield(.frame(frame)) }
                feed.finish()
            }
            group.addTask {
                while !Task.isCancelled {
                    do { try await clock.sleep(for: .milliseconds(100)) } catch { break }
                    feed.yield(.tick)
                }
            }
            var state = ListenerState(listener: self, feed: feed, signals: signals)
            await state.listen(inputs)
            group.cancelAll()
        }
        signals.yield(.mediaEnded)
    }

    /// Records a provider failure the listener recovered from or gives up on.
    func record(_ error: any Error) -> ProviderError {
        let failure = (error as? ProviderError) ?? ProviderError(.badResponse, provider: stt.name, "\(error)")
        logger.warning("speech-to-text failed", metadata: ["error": "\(failure)"])
        recorder.record(.sttFailed, ["provider": .string(failure.provider), "kind": .string(failure.kind.description), "message": .string(failure.message)])
        metrics.providerFailure(kind: "stt", error: failure)
        return failure
    }

    /// Publishes a final transcript (`stt.transcribed`) and hands it to the conversation.
    func deliver(
        _ transcript: Transcript, provider: String, speechEndedAt: Duration, endpointing: String?,
        signals: AsyncStream<ConversationSignal>.Continuation
    ) {
        let latency = max(.zero, clock.monotonic() - speechEndedAt)
        let text = Redactor.redact(transcript.text)
        metrics.stageLatency(.transcription, latency)
        var data: [String: JSONValue] = [
            "text": .string(text), "final": .bool(transcript.isFinal), "latency_ms": .int(latency.milliseconds), "provider": .string(provider),
        ]
        if let confidence = transcript.confidence { data["confidence"] = .double(confidence) }
        if let endpointing { data["endpointing"] = .string(endpointing) }
        recorder.record(.sttTranscribed, data)
        logger.info("caller said", metadata: ["transcript": "\(text)", "stt.latency_ms": "\(latency.milliseconds)"])
        signals.yield(.utterance(Transcript(text: text, isFinal: true, confidence: transcript.confidence), speechEndedAt: speechEndedAt))
    }
}

/// The listener's loop and what it keeps between inputs.
struct ListenerState {
    let listener: UtteranceListener
    let feed: AsyncStream<UtteranceListener.Input>.Continuation
    let signals: AsyncStream<ConversationSignal>.Continuation

    var voice: CallerVoice
    var endpointer: Endpointer
    var judge: BargeInJudge
    /// The reference levels around the frame being judged (index 0: now).
    var referenceLevels = [Double](repeating: -100, count: EchoGuard.Configuration().maxDelayFrames + 1)
    let prerollFrames: Int
    var preroll: [AudioFrame] = []
    /// The per-utterance session of the utterance in progress.
    var session: (any TranscriptionSession)?
    var lastArrival: Duration
    var accountedGap = Duration.zero

    /// The call stream, while it works.
    var stream: OpenStream?
    var generation = 0
    var retryAt: Duration = .zero
    var utterance: StreamedUtterance
    /// The audio of the streamed utterance in progress (preroll included), for a per-utterance session
    /// if the stream breaks before it completes.
    var held: [AudioFrame] = []
    /// Silence owed to the stream for gaps without packets.
    var silenceOwed = Duration.zero
    /// The first stream, opened in the background so that voice detection never waits for a handshake.
    var opener: Task<CallStreamSource.Opened?, Never>?
    /// Whether the background open's result was taken by the loop (else it is closed after the loop).
    let openTaken = OnceFlag()
    /// A stream that opened while an utterance went to a session of its own: adopted after it.
    var deferred: (stream: any CallTranscriptionStream, provider: String)?

    struct OpenStream {
        let stream: any CallTranscriptionStream
        let provider: String
        let forwarder: Task<Void, Never>
    }

    var clock: any Domain.Clock { listener.clock }

    init(listener: UtteranceListener, feed: AsyncStream<UtteranceListener.Input>.Continuation, signals: AsyncStream<ConversationSignal>.Continuation) {
        self.listener = listener
        self.feed = feed
        self.signals = signals
        endpointer = Endpointer(configuration: listener.configuration.endpointer)
        voice = CallerVoice(guarded: listener.configuration.echoGuard)
        judge = BargeInJudge(configuration: listener.configuration.bargeInJudge)
        prerollFrames = max(1, Int(listener.configuration.preroll.milliseconds / 20))
        lastArrival = listener.clock.monotonic()
        utterance = StreamedUtterance(settings: listener.configuration.streaming)
    }

    mutating func listen(_ inputs: AsyncStream<UtteranceListener.Input>) async {
        if let source = listener.callStream {
            let (feed, options) = (feed, listener.options)
            opener = Task {
                let result = await source.open(options)
                feed.yield(.opened(result))
                return result
            }
        }
        for await input in inputs {
            if Task.isCancelled { break }
            var event: Endpointer.Event?
            switch input {
            case .frame(let frame):
                lastArrival = clock.monotonic()
                accountedGap = .zero
                silenceOwed = .zero
                event = await take(frame)
            case .tick:
                // No packets is silence: count the time since the last frame that was not yet counted.
                let silent = clock.monotonic() - lastArrival
                if silent > .milliseconds(60) {
                    event = endpointer.gap(silent - accountedGap)
                    if let verdict = judge.gap(silent - accountedGap) { signals.yield(.bargeIn(verdict)) }
                    guardNoPackets(silent - accountedGap)
                    if stream != nil { await streamSilence(silent - accountedGap) }
                    accountedGap = silent
                }
                if stream != nil { await perform(utterance.tick(now: clock.monotonic())) }
            case .vendor(let result, let generation):
                guard generation == self.generation, stream != nil else { break }
                if case .failed(let error) = result {
                    await streamBroke(error)
                } else {
                    await perform(utterance.vendor(result))
                }
            case .opened(let result):
                if openTaken.take() { take(opened: result) }
            }
            if case .speechEnded(let trailing, _) = event {
                preroll.removeAll()
                let endedAt = clock.monotonic() - trailing
                if stream != nil {
                    await perform(utterance.speechEnded(speechEndedAt: endedAt, now: clock.monotonic()))
                } else if let active = session {
                    session = nil
                    await finish(active, speechEndedAt: endedAt)
                } else {
                    signals.yield(.transcriptionFailed(ProviderError(.unavailable, provider: listener.stt.name, "no session")))
                }
            }
            if let waiting = deferred, session == nil, !endpointer.isInSpeech {
                deferred = nil
                adopt(waiting.stream, provider: waiting.provider)
            }
        }
        if let session { await session.cancel() }
        await closeStream()
        if let waiting = deferred { await waiting.stream.close() }
        // A background open still under way: its stream, if it comes, is closed (the call is over).
        if let opener, openTaken.take() {
            Task { if case .success(let opened)? = await opener.value { await opened.stream.close() } }
        }
    }

    /// One inbound frame: voice detection, then the stream or the utterance's session.
    private mutating func take(_ frame: AudioFrame) async -> Endpointer.Event? {
        let voiced = isCallerSpeech(frame)
        let event = endpointer.frame(voiced: voiced)
        // Barge-in first: nothing (a session, a stream) is waited for before the conversation hears it.
        if let verdict = judge.frame(voiced: voiced) { signals.yield(.bargeIn(verdict)) }
        if event == .speechStarted { signals.yield(.speechStarted) }
        if event == .speechStarted, stream == nil, deferred == nil, listener.callStream != nil, clock.monotonic() >= retryAt,
           opener == nil || openTaken.isTaken {
            await openStream()
            // The audio from just before the detected start goes first, as a session would get it.
            if let open = stream {
                for earlier in preroll { try? await open.stream.send(earlier) }
            }
        }
        if let open = stream {
            do { try await open.stream.send(frame) } catch {
                await streamBroke(error)
                return await takeUnstreamed(frame, event: event)
            }
            if event == .speechStarted {
                held = preroll + [frame]
                preroll.removeAll()
                await perform(utterance.speechStarted(now: clock.monotonic()))
            } else if endpointer.isInSpeech {
                held.append(frame)
                await perform(voiced ? utterance.voiced(now: clock.monotonic()) : utterance.silence(endpointer.silence ?? .zero))
            } else if !utterance.isOpen {
                keepPreroll(frame)
            }
            return event
        }
        return await takeUnstreamed(frame, event: event)
    }

    /// A frame without a call stream: the utterance's own session.
    mutating func takeUnstreamed(_ frame: AudioFrame, event: Endpointer.Event?) async -> Endpointer.Event? {
        if event == .speechStarted {
            session = await startSession(preroll: preroll + [frame])
            preroll.removeAll()
        } else if let active = session {
            do { try await active.send(frame) } catch {
                session = nil
                await active.cancel()
                signals.yield(.transcriptionFailed(listener.record(error)))
            }
        } else {
            keepPreroll(frame)
        }
        return event
    }

    /// The voice detector's decision, with what is only the echo of the daemon's own prompt taken out.
    private mutating func isCallerSpeech(_ frame: AudioFrame) -> Bool {
        guard voice.guarded, let reference = listener.reference, reference.levels(at: clock.monotonic(), into: &referenceLevels) else {
            return voice.isCallerSpeech(frame, reference: nil)
        }
        return voice.isCallerSpeech(frame, reference: referenceLevels)
    }

    /// Tells the echo guard that nothing came back for `duration` while the prompt may have played.
    private mutating func guardNoPackets(_ duration: Duration) {
        guard voice.guarded, let reference = listener.reference else { return }
        let now = clock.monotonic()
        let frames = min(50, Int(duration / .milliseconds(20)))
        for back in stride(from: frames - 1, through: 0, by: -1) {
            let at = now - .milliseconds(20) * back
            if reference.levels(at: at, into: &referenceLevels) { voice.noPacket(reference: referenceLevels) }
        }
    }

    private mutating func keepPreroll(_ frame: AudioFrame) {
        preroll.append(frame)
        if preroll.count > prerollFrames { preroll.removeFirst(preroll.count - prerollFrames) }
    }

    // MARK: Per-utterance sessions

    func startSession(preroll: [AudioFrame]) async -> (any TranscriptionSession)? {
        let stt = listener.stt
        do {
            let session = try await stt.startSession(listener.options)
            for frame in preroll { try await session.send(frame) }
            return session
        } catch {
            listener.logger.warning("speech-to-text session failed to start", metadata: ["error": "\(error)", "stt.provider": "\(stt.name)"])
            listener.recorder.record(.sttFailed, ["provider": .string(error.provider), "kind": .string(error.kind.description), "message": .string(error.message)])
            listener.metrics.providerFailure(kind: "stt", error: error)
            return nil
        }
    }

    func finish(_ session: any TranscriptionSession, speechEndedAt: Duration) async {
        let stt = listener.stt
        do {
            let transcript = try await withTimeout(listener.configuration.sttTimeout, clock: clock, provider: stt.name) {
                try await session.finish()
            }
            listener.deliver(
                Transcript(text: transcript.text, isFinal: true, confidence: transcript.confidence), provider: stt.name,
                speechEndedAt: speechEndedAt, endpointing: nil, signals: signals)
        } catch {
            await session.cancel()
            signals.yield(.transcriptionFailed(listener.record(error)))
        }
    }
}
