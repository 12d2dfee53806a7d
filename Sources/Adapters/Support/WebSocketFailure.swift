import Domain
import Synchronization
import WSCore

/// How a vendor's WebSocket ended, as a `ProviderError`: one classification for every streaming adapter.
public enum WebSocketFailure {
    /// A vendor's close frame (or none: the connection was cut). Vendors report failures as a close code
    /// and reason (Deepgram 1008 DATA-0000 bad audio, 1011 NET-0000 server side; OpenAI Realtime 1011, or
    /// 4000 after a protocol error). `normalIsFailure`: whether even a normal close is one (a session only
    /// the gateway may end); else a normal close is nil.
    public static func classify(close: WebSocketCloseFrame?, provider: String, normalIsFailure: Bool = false) -> ProviderError? {
        guard let close else { return ProviderError(.network, provider: provider, "connection closed without a close frame") }
        let text = "closed by the vendor with \(close.closeCode): \(close.reason ?? "")"
        switch close.closeCode {
        case .normalClosure, .goingAway:
            return normalIsFailure ? ProviderError(.network, provider: provider, text) : nil
        case .unexpectedServerError: return ProviderError(.server, provider: provider, text)
        case .policyViolation, .dataInconsistentWithMessage, .unacceptableData, .messageTooLarge:
            return ProviderError(.badRequest, provider: provider, text)
        default: return ProviderError(.network, provider: provider, text)
        }
    }

    /// A transport error (the WebSocket client's, or a cancellation).
    public static func classify(_ error: any Error, provider: String) -> ProviderError {
        if let error = error as? ProviderError { return error }
        if error is CancellationError { return ProviderError(.cancelled, provider: provider, "cancelled") }
        return ProviderError(.network, provider: provider, String("\(error)".prefix(200)))
    }
}

/// Resolves once with the outcome of opening a connection (nil: it opened), for whoever waits on it.
public final class OpenSignal: Sendable {
    private let state = Mutex<(done: Bool, result: ProviderError?, waiter: CheckedContinuation<ProviderError?, Never>?)>((false, nil, nil))

    public init() {}

    /// Sets the outcome; later calls are ignored.
    public func signal(_ failure: ProviderError?) {
        let waiter: CheckedContinuation<ProviderError?, Never>? = state.withLock { state in
            guard !state.done else { return nil }
            state.done = true
            state.result = failure
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: failure)
    }

    /// The outcome, once there is one (one waiter).
    public func wait() async -> ProviderError? {
        await withCheckedContinuation { continuation in
            let ready: (Bool, ProviderError?) = state.withLock { state in
                if state.done { return (true, state.result) }
                state.waiter = continuation
                return (false, nil)
            }
            if ready.0 { continuation.resume(returning: ready.1) }
        }
    }
}
