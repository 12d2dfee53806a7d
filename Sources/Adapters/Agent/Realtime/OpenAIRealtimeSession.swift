import AdapterSupport
import Domain
import Foundation
import HTTPTypes
import Logging
import NIOCore
import Synchronization
import WSClient

/// One call's OpenAI Realtime session over a WebSocket: the caller's audio goes out as
/// `input_audio_buffer.append`, server events come back as `SpeechToSpeechEvent`s (the mapping is in
/// the doc comment of `SpeechToSpeechSession`).
///
/// One task reads the socket (so server events are handled in order), another drains a queue of
/// outgoing events: the callers of `send`, `say`, `interrupt` and `complete` never wait on the network.
final class OpenAIRealtimeSession: SpeechToSpeechSession {
    /// What the session needs besides the socket.
    struct Settings: Sendable {
        var provider: String
        var format: RealtimeAudioFormat
        var sessionUpdate: RealtimeWire.SessionUpdate
        /// Spoken first when not empty.
        var greeting: String
        var connectTimeout: Duration
        /// The conversation so far, for a call resumed after a restart: added to the session's conversation
        /// before anything else, so the model carries on with its context.
        var history: [HistoryLine] = []
        /// Whether the server's VAD takes the turns (else `endTurn()` commits them).
        var detectsTurns = true
    }

    private enum Outgoing: Sendable {
        case text(String)
        case close
    }

    private struct State {
        /// `session.updated` came (`open` returned the session).
        var ready = false
        var ended = false
        var closedByUs = false
        /// A response is in progress (created, or asked for, and not done): a `response.create` now
        /// would be refused, so it waits for `response.done` (`responseWanted`).
        var responseActive = false
        var responseWanted = false
        /// The assistant audio item last heard of, and the bytes of audio received for it.
        var audioItem: (id: String, bytes: Int)?
        /// Items of interrupted answers: their late audio and transcript are dropped.
        var silenced: Set<String> = []
        var decoder: RealtimeAudioDecoder
        var nextEventID = 0
    }

    let events: AsyncThrowingStream<SpeechToSpeechEvent, any Error>
    private let feed: AsyncThrowingStream<SpeechToSpeechEvent, any Error>.Continuation
    private let outgoing: AsyncStream<Outgoing>.Continuation
    private let outgoingStream: AsyncStream<Outgoing>
    private let state: Mutex<State>
    private let encoder: Mutex<RealtimeAudioEncoder>
    private let opened = OpenSignal()
    private let settings: Settings
    private let logger: Logger

    private var provider: String { settings.provider }

    private init(settings: Settings, logger: Logger) {
        self.settings = settings
        self.logger = logger
        state = Mutex(State(decoder: RealtimeAudioDecoder(format: settings.format)))
        encoder = Mutex(RealtimeAudioEncoder(format: settings.format))
        (events, feed) = AsyncThrowingStream.makeStream(of: SpeechToSpeechEvent.self, throwing: (any Error).self, bufferingPolicy: .unbounded)
        (outgoingStream, outgoing) = AsyncStream.makeStream(of: Outgoing.self, bufferingPolicy: .unbounded)
    }

    /// Connects to `url`, configures the session (`session.update`) and returns once the server has
    /// applied it (`session.updated`), within `settings.connectTimeout`; then asks for the greeting.
    /// Throws why it could not: a refused upgrade classified by its HTTP status, the `error` the server
    /// answered the configuration with, `.timeout`.
    static func open(url: String, headers: HTTPFields, settings: Settings, logger: Logger) async throws(ProviderError) -> OpenAIRealtimeSession {
        let session = OpenAIRealtimeSession(settings: settings, logger: logger)
        let provider = settings.provider
        session.enqueue(settings.sessionUpdate)
        let runner = Task {
            do {
                let configuration = WebSocketClientConfiguration(maxFrameSize: 1 << 20, additionalHeaders: headers)
                let close = try await WebSocketClient.connect(url: url, configuration: configuration, logger: logger) { inbound, outbound, _ in
                    try await session.pump(inbound: inbound, outbound: outbound)
                }
                session.end(RealtimeFailure.classify(close: close, provider: provider))
            } catch {
                let failure = (error as? WebSocketClientError) == .webSocketUpgradeFailed
                    ? await UpgradeRefusal.classify(url: url, headers: headers, provider: provider, timeout: settings.connectTimeout)
                    : RealtimeFailure.classify(error, provider: provider)
                session.end(failure)
            }
        }
        let timer = Task {
            try await Task.sleep(for: settings.connectTimeout)
            session.opened.signal(ProviderError(.timeout, provider: provider, "no session.updated within \(settings.connectTimeout)"))
        }
        defer { timer.cancel() }
        if let failure = await session.opened.wait() {
            session.state.withLock { $0.ended = true }
            session.feed.finish(throwing: failure)
            session.outgoing.finish()
            runner.cancel()
            logger.warning("provider request failed", metadata: ["provider": "\(provider)", "error.kind": "\(failure.kind)", "error": "\(failure.message)"])
            throw failure
        }
        for line in settings.history {
            switch line.speaker {
            case .caller: session.enqueue(RealtimeWire.ItemCreate(item: .userText(line.text)))
            case .agent: session.enqueue(RealtimeWire.ItemCreate(item: .assistantText(line.text)))
            case .system: break
            }
        }
        if !settings.greeting.isEmpty && settings.history.isEmpty {
            session.requestResponse(.init(response: .init(instructions: "Say exactly: \(settings.greeting)")))
        }
        return session
    }

    // MARK: SpeechToSpeechSession

    /// Converts the frame to the session's format and appends it to the server's input buffer, in
    /// batches of about 100 ms (`RealtimeAudioEncoder`).
    func send(_ frame: AudioFrame) async {
        guard !state.withLock({ $0.ended }) else { return }
        let batches = encoder.withLock { $0.add(frame) }
        for batch in batches { enqueue(RealtimeWire.AudioAppend(audio: Data(batch).base64EncodedString())) }
    }

    /// A user message of `text`, then `response.create` (once the answer in progress, if any, is done).
    func say(_ text: String) async {
        guard !state.withLock({ $0.ended }) else { return }
        enqueue(RealtimeWire.ItemCreate(item: .userText(text)))
        requestResponse(RealtimeWire.ResponseCreate())
    }

    var detectsTurns: Bool { settings.detectsTurns }

    /// Without server VAD: commits the caller's audio as a turn and asks for the answer.
    func endTurn() async {
        guard !detectsTurns, !state.withLock({ $0.ended }) else { return }
        let rest = encoder.withLock { $0.drain() }
        if !rest.isEmpty { enqueue(RealtimeWire.AudioAppend(audio: Data(rest).base64EncodedString())) }
        enqueue(RealtimeWire.AudioCommit())
        requestResponse(RealtimeWire.ResponseCreate())
    }

    /// `response.cancel`, then `conversation.item.truncate` of the assistant audio item at what the
    /// caller heard of it (`played`, at most the audio received). Nothing before any assistant audio.
    /// Audio of that item still on its way is dropped.
    func interrupt(played: Duration) async {
        let bytesPerMillisecond = settings.format.bytesPerMillisecond
        let plan: (RealtimeWire.ResponseCancel, RealtimeWire.ItemTruncate)? = state.withLock { state in
            guard !state.ended, let item = state.audioItem else { return nil }
            state.audioItem = nil
            state.silenced.insert(item.id)
            state.nextEventID += 1
            let id = state.nextEventID
            let heard = Int(clamping: max(0, played.milliseconds))
            return (
                RealtimeWire.ResponseCancel(eventID: RealtimeFailure.cancelEventPrefix + String(id)),
                RealtimeWire.ItemTruncate(
                    eventID: RealtimeFailure.truncateEventPrefix + String(id), itemID: item.id,
                    audioEndMs: min(heard, item.bytes / bytesPerMillisecond)))
        }
        guard let (cancel, truncate) = plan else { return }
        enqueue(cancel)
        enqueue(truncate)
    }

    /// A `function_call_output` item for `callID`, then `response.create` (once the answer in
    /// progress, if any, is done).
    func complete(_ callID: String, output: String) async {
        guard !state.withLock({ $0.ended }) else { return }
        enqueue(RealtimeWire.ItemCreate(item: .functionOutput(callID: callID, output: output)))
        requestResponse(RealtimeWire.ResponseCreate())
    }

    /// Closes the WebSocket (a close frame); the events end without an error.
    func close() async {
        let wasEnded = state.withLock { state in
            defer { state.ended = true; state.closedByUs = true }
            return state.ended
        }
        guard !wasEnded else { return }
        feed.finish()
        outgoing.yield(.close)
        outgoing.finish()
    }

    // MARK: Socket

    private func pump(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        let outgoingStream = outgoingStream
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await item in outgoingStream {
                    switch item {
                    case .text(let text): try await outbound.write(.text(text))
                    case .close:
                        try await outbound.close(.normalClosure, reason: nil)
                        return
                    }
                }
            }
            for try await message in inbound.messages(maxSize: 1 << 24) {
                guard case .text(let text) = message else { continue }
                handle(text)
                if state.withLock({ $0.ended && !$0.closedByUs }) { break }
            }
            group.cancelAll()
        }
    }

    private func handle(_ text: String) {
        guard let event = try? JSONDecoder().decode(RealtimeWire.ServerEvent.self, from: Data(text.utf8)) else {
            logger.debug("unreadable server event ignored", metadata: ["provider": "\(provider)", "event": "\(text.prefix(200))"])
            return
        }
        switch event.type {
        case "session.updated":
            state.withLock { $0.ready = true }
            opened.signal(nil)
        case "input_audio_buffer.speech_started":
            feed.yield(.speechStarted)
        case "input_audio_buffer.speech_stopped":
            feed.yield(.speechStopped)
        case "conversation.item.input_audio_transcription.completed":
            if let transcript = event.transcript?.trimmingCharacters(in: .whitespacesAndNewlines), !transcript.isEmpty {
                feed.yield(.callerSaid(transcript))
            }
        case "response.created":
            state.withLock { $0.responseActive = true }
        case "response.output_audio.delta":
            audio(event)
        case "response.output_audio_transcript.done":
            let silenced = state.withLock { state in event.itemID.map { state.silenced.contains($0) } ?? false }
            if !silenced, let transcript = event.transcript?.trimmingCharacters(in: .whitespacesAndNewlines), !transcript.isEmpty {
                feed.yield(.agentSaid(transcript))
            }
        case "response.function_call_arguments.done":
            functionCall(event)
        case "response.done":
            let create = state.withLock { state in
                state.responseActive = false
                guard state.responseWanted else { return false }
                state.responseWanted = false
                state.responseActive = true
                return true
            }
            feed.yield(.responseDone)
            if create { enqueue(RealtimeWire.ResponseCreate()) }
        case "error":
            vendorError(event.error ?? RealtimeWire.ErrorBody(message: "error event without an error"))
        default:
            break  // session.created, rate_limits.updated, conversation.item.*, response.output_item.*, ...
        }
    }

    private func audio(_ event: RealtimeWire.ServerEvent) {
        guard let itemID = event.itemID, let delta = event.delta, let bytes = Data(base64Encoded: delta) else {
            logger.debug("audio delta without item or audio ignored", metadata: ["provider": "\(provider)"])
            return
        }
        let frame: AudioFrame? = state.withLock { state in
            guard !state.silenced.contains(itemID) else { return nil }
            if state.audioItem?.id != itemID {
                state.audioItem = (itemID, 0)
                state.decoder.reset()
            }
            state.audioItem?.bytes += bytes.count
            return state.decoder.frame(Array(bytes))
        }
        if let frame { feed.yield(.audio(frame)) }
    }

    /// A call the model made: its actions go to the gateway (which answers with `complete`); a refused
    /// call (unknown function, invalid arguments) is answered here, so the model can try again.
    private func functionCall(_ event: RealtimeWire.ServerEvent) {
        let callID = event.callID ?? ""
        let name = event.name ?? ""
        let outcome = TelephonyTools.actions(name: name, arguments: event.arguments ?? "{}")
        guard outcome.isRefused else {
            for action in outcome.actions { feed.yield(.action(action, callID: callID)) }
            return
        }
        logger.info("function call refused", metadata: ["provider": "\(provider)", "function": "\(name)", "result": "\(outcome.result)"])
        enqueue(RealtimeWire.ItemCreate(item: .functionOutput(callID: callID, output: outcome.result)))
        requestResponse(RealtimeWire.ResponseCreate())
    }

    private func vendorError(_ error: RealtimeWire.ErrorBody) {
        if RealtimeFailure.isHarmless(error) {
            logger.debug("harmless vendor error ignored", metadata: [
                "provider": "\(provider)", "code": "\(error.code ?? "")", "error": "\(error.message ?? "")",
            ])
            return
        }
        end(RealtimeFailure.classify(error, provider: provider))
    }

    // MARK: Plumbing

    private func enqueue(_ event: some Encodable) {
        outgoing.yield(.text(RealtimeWire.text(event)))
    }

    /// Sends `response.create` now, or when the response in progress is done.
    private func requestResponse(_ create: RealtimeWire.ResponseCreate) {
        let now = state.withLock { state in
            if state.responseActive {
                state.responseWanted = true
                return false
            }
            state.responseActive = true
            return true
        }
        if now { enqueue(create) }
    }

    /// The session is over: the events end, throwing `failure` unless the gateway closed the session.
    /// (Before `session.updated`, `open` throws it instead.)
    private func end(_ failure: ProviderError) {
        opened.signal(failure)
        let (wasEnded, ready) = state.withLock { state in
            defer { state.ended = true }
            return (state.ended, state.ready)
        }
        guard !wasEnded else { return }
        if ready {
            logger.warning("provider stream failed", metadata: ["provider": "\(provider)", "error.kind": "\(failure.kind)", "error": "\(failure.message)"])
        }
        feed.finish(throwing: failure)
        outgoing.finish()
    }
}
