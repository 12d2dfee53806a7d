import AdapterSupport
import Domain
import WSClient

/// How Realtime failures become `ProviderError`s: `error` events, close frames, transport errors.
enum RealtimeFailure {
    /// Errors that leave the session as it was, so they are logged and otherwise ignored:
    /// - `response_cancel_not_active`: a `response.cancel` came after the answer had ended (the server's
    ///   VAD cancels on its own when the caller barges in);
    /// - `conversation_already_has_active_response`: a `response.create` raced the server's own answer
    ///   to the caller's turn (the request is dropped, the answer goes on);
    /// - any error caused by our `response.cancel` or `conversation.item.truncate` (its `event_id` is
    ///   one of ours): the audio was already over, or the item gone.
    static func isHarmless(_ error: RealtimeWire.ErrorBody) -> Bool {
        if let code = error.code, harmlessCodes.contains(code) { return true }
        if let eventID = error.eventID, eventID.hasPrefix(cancelEventPrefix) || eventID.hasPrefix(truncateEventPrefix) { return true }
        return false
    }

    static let harmlessCodes: Set<String> = ["response_cancel_not_active", "conversation_already_has_active_response"]
    /// `event_id` prefixes of the client events whose failures are harmless.
    static let cancelEventPrefix = "vgw_cancel_"
    static let truncateEventPrefix = "vgw_truncate_"

    /// An `error` event that ends the session, by its `type` and `code`.
    static func classify(_ error: RealtimeWire.ErrorBody, provider: String) -> ProviderError {
        let type = error.type ?? ""
        let code = error.code ?? ""
        let text = "\(type.isEmpty ? "error" : type)\(code.isEmpty ? "" : " (\(code))"): \(error.message ?? "no message")"
        let kind: ProviderError.Kind
        if type == "authentication_error" || code == "invalid_api_key" || type == "permission_error" {
            kind = .auth
        } else if type.contains("rate_limit") || code.contains("rate_limit") || code == "insufficient_quota" {
            kind = .rateLimited
        } else if type == "server_error" || code == "server_error" || type == "api_error" {
            kind = .server
        } else if type == "invalid_request_error" {
            kind = .badRequest
        } else {
            kind = .badResponse
        }
        return ProviderError(kind, provider: provider, String(text.prefix(300)))
    }

    /// A socket the vendor closed, or that dropped, while the session was open: always a failure (the
    /// session ends only when the gateway closes it). OpenAI closes with 4000 after an error event about
    /// the protocol (a beta header), 1011 on an internal error.
    static func classify(close: WebSocketCloseFrame?, provider: String) -> ProviderError {
        WebSocketFailure.classify(close: close, provider: provider, normalIsFailure: true)
            ?? ProviderError(.network, provider: provider, "closed by the vendor")
    }

    /// A transport error (the WebSocket client's, or a cancellation).
    static func classify(_ error: any Error, provider: String) -> ProviderError {
        WebSocketFailure.classify(error, provider: provider)
    }
}
