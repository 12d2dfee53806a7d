import AsyncHTTPClient
import Domain
import HTTPTypes
import NIOHTTP1

/// Why a vendor refused a WebSocket handshake. The WebSocket client only says "upgrade failed", but the
/// vendors answer a refused handshake with a meaningful HTTP status (401 bad key, 429 too many streams,
/// 5xx outage; Deepgram and AWS document this), so the handshake is repeated once as a plain HTTP request
/// and the status it gets is classified like any REST answer.
public enum UpgradeRefusal {
    /// Probes `url` with the same handshake over plain HTTP and classifies the status it gets.
    public static func classify(url: String, headers: HTTPFields, provider: String, timeout: Duration) async -> ProviderError {
        let refused = ProviderError(.badRequest, provider: provider, "WebSocket upgrade refused")
        var request = HTTPClientRequest(url: url.replacingPrefix("wss://", with: "https://").replacingPrefix("ws://", with: "http://"))
        request.method = .GET
        for field in headers { request.headers.add(name: field.name.rawName, value: field.value) }
        // The same upgrade request the WebSocket client sent (RFC 6455 section 4.1).
        request.headers.add(name: "Connection", value: "Upgrade")
        request.headers.add(name: "Upgrade", value: "websocket")
        request.headers.add(name: "Sec-WebSocket-Version", value: "13")
        request.headers.add(name: "Sec-WebSocket-Key", value: "dGhlIHNhbXBsZSBub25jZQ==")
        guard let response = try? await HTTPClient.shared.execute(request, timeout: .nanoseconds(Int64(timeout.nanoseconds))) else {
            return ProviderError(.network, provider: provider, "WebSocket upgrade refused; the vendor did not answer the status probe")
        }
        let body = (try? await response.body.collect(upTo: 16 << 10)).map { String(buffer: $0) } ?? ""
        guard response.status.code >= 400 else { return refused }
        let error = HTTPFailure.classify(status: response.status.code, body: body, provider: provider)
        return ProviderError(error.kind, provider: provider, "WebSocket upgrade refused: \(error.message)")
    }
}

extension String {
    /// `self` with `prefix` replaced, when it starts with it.
    public func replacingPrefix(_ prefix: String, with replacement: String) -> String {
        hasPrefix(prefix) ? replacement + dropFirst(prefix.count) : self
    }
}
