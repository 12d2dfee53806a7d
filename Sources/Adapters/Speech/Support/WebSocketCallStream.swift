import AdapterSupport
import Domain
import HTTPTypes
import Logging
import Synchronization
import WSCore

/// A whole call's audio streamed over one vendor WebSocket: frames go out as they come, the vendor's
/// partials, finalised segments and end-of-speech decisions come back as `CallTranscriptionEvent`s.
final class WebSocketCallStream: CallTranscriptionStream {
    let events: AsyncStream<CallTranscriptionEvent>
    private let feed: AsyncStream<CallTranscriptionEvent>.Continuation
    private let outgoing: AsyncStream<VendorWebSocket.Outgoing>.Continuation
    private let outgoingStream: AsyncStream<VendorWebSocket.Outgoing>
    private let state = Mutex<(failure: ProviderError?, closed: Bool)>((nil, false))
    private let task = Mutex<Task<Void, Never>?>(nil)
    private let provider: String
    private let dialect: any StreamingDialect
    private let timeout: Duration

    private init(provider: String, dialect: any StreamingDialect, timeout: Duration) {
        self.provider = provider
        self.dialect = dialect
        self.timeout = timeout
        (events, feed) = AsyncStream.makeStream(of: CallTranscriptionEvent.self, bufferingPolicy: .unbounded)
        (outgoingStream, outgoing) = AsyncStream.makeStream(of: VendorWebSocket.Outgoing.self, bufferingPolicy: .unbounded)
    }

    /// Connects to `url` and returns once the WebSocket is open (or throws why it could not be);
    /// `timeout` bounds the handshake and, after `close()`, the vendor's goodbye.
    static func open(
        url: String, headers: HTTPFields, provider: String, dialect: any StreamingDialect, timeout: Duration, logger: Logger
    ) async throws(ProviderError) -> WebSocketCallStream {
        let stream = WebSocketCallStream(provider: provider, dialect: dialect, timeout: timeout)
        let runner = try await VendorWebSocket.open(
            url: url, headers: headers, provider: provider, timeout: timeout, logger: logger,
            pump: { inbound, outbound in
                try await VendorWebSocket.pump(outgoing: stream.outgoingStream, inbound: inbound, outbound: outbound) { message in
                    stream.receive(message)
                }
            },
            quiet: { stream.state.withLock { $0.closed || $0.failure != nil } },
            ended: { stream.end($0) })
        stream.task.withLock { $0 = runner }
        return stream
    }

    func send(_ frame: AudioFrame) async throws(ProviderError) {
        let (failure, closed) = state.withLock { ($0.failure, $0.closed) }
        if let failure { throw failure }
        if closed { throw ProviderError(.cancelled, provider: provider, "stream closed") }
        outgoing.yield(dialect.audio(frame))
    }

    func finalize() async {
        if let message = dialect.finalize() { outgoing.yield(message) }
    }

    /// Tells the vendor the audio is over and lets it close; the connection is cut if it has not
    /// within the timeout.
    func close() async {
        let first = state.withLock { state in
            defer { state.closed = true }
            return !state.closed
        }
        guard first else { return }
        outgoing.yield(dialect.endOfAudio())
        outgoing.finish()
        let (runner, timeout) = (task.withLock { $0 }, timeout)
        Task {
            try? await Task.sleep(for: timeout)
            runner?.cancel()
        }
    }

    /// Handles one vendor message; false once the stream has failed.
    private func receive(_ message: WebSocketMessage) -> Bool {
        for incoming in dialect.interpret(message, provider: provider) {
            switch incoming {
            case .partial(let text):
                feed.yield(.partial(text))
            case .final(let text, let confidence, let endOfSpeech):
                feed.yield(.segment(Transcript(text: text, isFinal: true, confidence: confidence), endOfSpeech: endOfSpeech))
            case .endOfSpeech:
                feed.yield(.segment(Transcript(text: "", isFinal: true), endOfSpeech: true))
            case .failure(let error):
                end(error)
                return false
            case .done:
                break
            }
        }
        return true
    }

    /// The connection ended: a failure is reported unless the daemon closed the stream itself.
    private func end(_ failure: ProviderError?) {
        let report: ProviderError? = state.withLock { state in
            guard state.failure == nil else { return nil }
            if state.closed { return nil }
            let failure = failure ?? ProviderError(.network, provider: provider, "the vendor closed the stream")
            state.failure = failure
            return failure
        }
        if let report { feed.yield(.failed(report)) }
        feed.finish()
        outgoing.finish()
    }
}
