import AsyncHTTPClient
import Domain
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// The HTTP plumbing every REST adapter shares: sends a request with a deadline and turns whatever
/// goes wrong (status codes, transport errors, truncated or oversized bodies, wrong content types,
/// invalid JSON) into a classified `ProviderError` with one clear log line. Never logs credentials:
/// only method, path (without query) and status are logged.
struct VendorHTTP: Sendable {
    let client: HTTPClient
    let provider: String
    let timeout: Duration
    let logger: Logger

    /// Largest body accepted from a vendor (JSON answers and whole audio files).
    static let maxBody = 32 << 20

    /// Sends `request`; returns the response when its status is 2xx, else throws the classified error
    /// (with the vendor's error text, trimmed, in the message).
    func send(_ request: HTTPClientRequest) async throws(ProviderError) -> HTTPClientResponse {
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .nanoseconds(Int64(timeout.nanoseconds)), logger: logger)
        } catch {
            throw fail(Self.classify(transport: error, provider: provider), request: request)
        }
        guard (200..<300).contains(response.status.code) else {
            let text = (try? await response.body.collect(upTo: 64 << 10)).map { String(buffer: $0) } ?? ""
            throw fail(Self.classify(status: response.status.code, body: text, provider: provider), request: request)
        }
        return response
    }

    /// The whole body; a broken or oversized body is `bad_response`.
    func body(of response: HTTPClientResponse) async throws(ProviderError) -> ByteBuffer {
        do { return try await response.body.collect(upTo: Self.maxBody) } catch {
            throw fail(ProviderError(.badResponse, provider: provider, "body broken or truncated: \(Self.describe(error))"), request: nil)
        }
    }

    /// Throws `bad_response` unless the response's content type starts with one of `accepted`.
    func expectContentType(_ response: HTTPClientResponse, _ accepted: [String]) throws(ProviderError) {
        let type = response.headers.first(name: "content-type")?.lowercased() ?? ""
        guard accepted.contains(where: { type.hasPrefix($0) }) else {
            throw fail(ProviderError(.badResponse, provider: provider, "unexpected content type '\(type)', expected \(accepted.joined(separator: " or "))"), request: nil)
        }
    }

    /// Decodes a JSON body as `T`; invalid JSON is `bad_response`.
    func decode<T: Decodable>(_ type: T.Type, from body: ByteBuffer) throws(ProviderError) -> T {
        do { return try JSONDecoder().decode(T.self, from: Data(body.readableBytesView)) } catch {
            let preview = String(buffer: body).prefix(120)
            throw fail(ProviderError(.badResponse, provider: provider, "invalid JSON answer (\(Self.describe(error))): \(preview)"), request: nil)
        }
    }

    /// Logs `error` once and returns it.
    func fail(_ error: ProviderError, request: HTTPClientRequest?) -> ProviderError {
        var metadata: Logger.Metadata = ["provider": "\(provider)", "error.kind": "\(error.kind)", "error": "\(error.message)"]
        if let request, let url = URL(string: request.url) { metadata["path"] = "\(request.method.rawValue) \(url.path)" }
        logger.warning("provider request failed", metadata: metadata)
        return error
    }

    /// The kind of failure an HTTP status stands for.
    static func classify(status: UInt, body: String, provider: String) -> ProviderError {
        let text = "HTTP \(status): \(body.trimmingCharacters(in: .whitespacesAndNewlines).prefix(200))"
        switch status {
        case 401, 403: return ProviderError(.auth, provider: provider, text)
        case 429: return ProviderError(.rateLimited, provider: provider, text)
        case 408, 504: return ProviderError(.timeout, provider: provider, text)
        case 500...599: return ProviderError(.server, provider: provider, text)
        case 400...499: return ProviderError(.badRequest, provider: provider, text)
        default: return ProviderError(.badResponse, provider: provider, text)
        }
    }

    /// The kind of failure a transport error stands for.
    static func classify(transport error: any Error, provider: String) -> ProviderError {
        if let error = error as? ProviderError { return error }
        if error is CancellationError { return ProviderError(.cancelled, provider: provider, "cancelled") }
        if let http = error as? HTTPClientError {
            switch http {
            case .deadlineExceeded, .readTimeout, .writeTimeout, .connectTimeout, .getConnectionFromPoolTimeout:
                return ProviderError(.timeout, provider: provider, "\(http)")
            case .cancelled, .requestStreamCancelled:
                return ProviderError(.cancelled, provider: provider, "cancelled")
            case .remoteConnectionClosed, .bodyLengthMismatch:
                return ProviderError(.badResponse, provider: provider, "connection closed mid-answer (\(http))")
            default: break
            }
        }
        return ProviderError(.network, provider: provider, describe(error))
    }

    static func describe(_ error: any Error) -> String {
        String("\(error)".prefix(200))
    }
}

extension Duration {
    /// Whole nanoseconds.
    var nanoseconds: Int64 { components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000 }
}

extension HTTPClientRequest {
    /// A request with `method`, `headers` and an optional body in one go.
    static func make(_ url: String, method: HTTPMethod, headers: [(String, String)], body: [UInt8]? = nil) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        return request
    }
}
