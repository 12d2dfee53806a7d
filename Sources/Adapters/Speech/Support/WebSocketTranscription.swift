import AdapterSupport
import HTTPTypes
import Domain
import Logging
import Synchronization
import WSClient
import WSCore

/// What a streaming vendor's WebSocket protocol looks like to `WebSocketTranscription`.
protocol StreamingDialect: Sendable {
    /// One frame of audio as a WebSocket message.
    func audio(_ frame: AudioFrame) -> WebSocketTranscription.Outgoing
    /// The message that tells the vendor the audio is over.
    func endOfAudio() -> WebSocketTranscription.Outgoing
    /// The message that asks the vendor to finalise what it heard so far (nil: the vendor has none).
    func finalize() -> WebSocketTranscription.Outgoing?
    /// What a vendor message means.
    func interpret(_ message: WebSocketMessage, provider: String) -> [WebSocketTranscription.Incoming]
}

/// One utterance streamed over a WebSocket: frames go out as they come, partials come back, and the
/// final text is the finals the vendor sent before it closed the connection after the end of audio.
final class WebSocketTranscription: TranscriptionSession {
    typealias Outgoing = VendorWebSocket.Outgoing

    enum Incoming: Sendable {
        case partial(String)
        /// A finalised segment; `endOfSpeech` where the vendor's endpointing says the caller stopped.
        case final(String, confidence: Double?, endOfSpeech: Bool = false)
        /// The vendor's endpointing says the caller stopped, with no text of its own (Deepgram `UtteranceEnd`).
        case endOfSpeech
        case failure(ProviderError)
        /// The vendor says it is done (it will close).
        case done
    }

    private struct State {
        var finals: [String] = []
        var confidence: Double?
        var failure: ProviderError?
        var ended = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    let partials: AsyncStream<Transcript>
    private let partialFeed: AsyncStream<Transcript>.Continuation
    private let outgoing: AsyncStream<Outgoing>.Continuation
    private let outgoingStream: AsyncStream<Outgoing>
    private let state = Mutex(State())
    private let provider: String
    private let dialect: any StreamingDialect
    private let task = Mutex<Task<Void, Never>?>(nil)
    private let logger: Logger
    private let timeout: Duration

    private init(provider: String, dialect: any StreamingDialect, timeout: Duration, logger: Logger) {
        self.provider = provider
        self.timeout = timeout
        self.dialect = dialect
        self.logger = logger
        (partials, partialFeed) = AsyncStream.makeStream(of: Transcript.self, bufferingPolicy: .bufferingNewest(32))
        (outgoingStream, outgoing) = AsyncStream.makeStream(of: Outgoing.self, bufferingPolicy: .unbounded)
    }

    /// Connects to `url` and returns once the WebSocket is open (or throws why it could not be).
    /// `timeout` bounds the handshake and, after `finish()`, the wait for the vendor's last results.
    static func open(
        url: String, headers: HTTPFields, provider: String, dialect: any StreamingDialect, timeout: Duration, logger: Logger
    ) async throws(ProviderError) -> WebSocketTranscription {
        let session = WebSocketTranscription(provider: provider, dialect: dialect, timeout: timeout, logger: logger)
        let runner = try await VendorWebSocket.open(
            url: url, headers: headers, provider: provider, timeout: timeout, logger: logger,
            pump: { inbound, outbound in try await session.pump(inbound: inbound, outbound: outbound) },
            quiet: { session.state.withLock { $0.failure != nil || $0.ended } },
            ended: { session.end($0) })
        session.task.withLock { $0 = runner }
        return session
    }

    func send(_ frame: AudioFrame) async throws(ProviderError) {
        if let failure = state.withLock({ $0.failure }) { throw failure }
        if state.withLock({ $0.ended }) { throw ProviderError(.network, provider: provider, "connection closed mid-utterance") }
        outgoing.yield(dialect.audio(frame))
    }

    func finish() async throws(ProviderError) -> Transcript {
        outgoing.yield(dialect.endOfAudio())
        let timer = Task { [provider, timeout] in
            try await Task.sleep(for: timeout)
            // The timeout is recorded before the connection is cancelled: the cancelled runner's own
            // `end(cancelled)` must not win the race and hide what happened.
            self.end(ProviderError(.timeout, provider: provider, "no final result within \(timeout) of the end of audio"))
            self.task.withLock { $0 }?.cancel()
        }
        defer { timer.cancel() }
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state in
                if state.ended { return true }
                state.waiters.append(waiter)
                return false
            }
            if ready { waiter.resume() }
        }
        let (finals, confidence, failure) = state.withLock { ($0.finals, $0.confidence, $0.failure) }
        if let failure { throw failure }
        return Transcript(text: finals.joined(separator: " "), isFinal: true, confidence: confidence)
    }

    func cancel() async {
        outgoing.finish()
        task.withLock { $0 }?.cancel()
        end(ProviderError(.cancelled, provider: provider, "cancelled"))
    }

    private func pump(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        try await VendorWebSocket.pump(outgoing: outgoingStream, inbound: inbound, outbound: outbound) { message in
            for incoming in dialect.interpret(message, provider: provider) { handle(incoming) }
            return state.withLock { $0.failure == nil }
        }
    }

    private func handle(_ incoming: Incoming) {
        switch incoming {
        case .partial(let text):
            if !text.isEmpty { partialFeed.yield(Transcript(text: text, isFinal: false)) }
        case .final(let text, let confidence, _):
            state.withLock { state in
                if !text.isEmpty { state.finals.append(text) }
                if let confidence { state.confidence = confidence }
            }
        case .failure(let error):
            logger.warning("provider request failed", metadata: ["provider": "\(provider)", "error.kind": "\(error.kind)", "error": "\(error.message)"])
            state.withLock { if $0.failure == nil { $0.failure = error } }
        case .done, .endOfSpeech:
            break
        }
    }

    private func end(_ failure: ProviderError?) {
        let waiters = state.withLock { state in
            if state.failure == nil, let failure { state.failure = failure }
            state.ended = true
            defer { state.waiters = [] }
            return state.waiters
        }
        partialFeed.finish()
        outgoing.finish()
        waiters.forEach { $0.resume() }
    }
}

extension AudioFrame {
    /// The samples as little-endian bytes.
    var littleEndianBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(samples.count * 2)
        for s in samples { withUnsafeBytes(of: s.littleEndian) { out += $0 } }
        return out
    }
}
