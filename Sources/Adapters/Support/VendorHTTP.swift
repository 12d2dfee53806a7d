import AsyncHTTPClient
import Domain
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// The HTTP plumbing every vendor adapter (speech, agents) shares: sends a request with a deadline and turns whatever
/// goes wrong (status codes, transport errors, truncated or oversized bodies, wrong content types,
/// invalid JSON) into a classified `ProviderError` with one clear log line. Never logs credentials:
/// only method, path (without query) and status are logged.
public struct VendorHTTP: Sendable {
    public let client: HTTPClient
    public let provider: String
    public let timeout: Duration
    public let logger: Logger
    /// The clock the body deadline runs on (nil: the task's own sleep, i.e. real time). The head's deadline
    /// is the HTTP client's, on real time.
    public let clock: (any Domain.Clock)?

    public init(client: HTTPClient, provider: String, timeout: Duration, logger: Logger, clock: (any Domain.Clock)? = nil) {
        self.client = client
        self.provider = provider
        self.timeout = timeout
        self.logger = logger
        self.clock = clock
    }

    /// Largest body accepted from a vendor (JSON answers and whole audio files).
    public static let maxBody = 32 << 20

    /// Sends `request`; returns the response when its status is 2xx, else throws the classified error
    /// (with the vendor's error text, trimmed, in the message).
    public func send(_ request: HTTPClientRequest) async throws(ProviderError) -> HTTPClientResponse {
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .nanoseconds(Int64(timeout.nanoseconds)), logger: logger)
        } catch {
            throw fail(HTTPFailure.classify(transport: error, provider: provider), request: request)
        }
        guard (200..<300).contains(response.status.code) else {
            let text = (try? await response.body.collect(upTo: 64 << 10)).map { String(buffer: $0) } ?? ""
            throw fail(HTTPFailure.classify(status: response.status.code, body: text, provider: provider), request: request)
        }
        return response
    }

    /// The whole body; a broken or oversized body is `bad_response`, a body that does not arrive within
    /// `timeout` is `timeout` (the client's deadline only covers the response head).
    public func body(of response: HTTPClientResponse) async throws(ProviderError) -> ByteBuffer {
        let (provider, timeout, clock) = (provider, timeout, clock)
        let outcome = await withTaskGroup(of: Result<ByteBuffer, ProviderError>?.self) { group in
            group.addTask {
                do { return .success(try await response.body.collect(upTo: Self.maxBody)) } catch {
                    return .failure(ProviderError(.badResponse, provider: provider, "body broken or truncated: \(Self.describe(error))"))
                }
            }
            group.addTask {
                do {
                    if let clock { try await clock.sleep(for: timeout) } else { try await Task.sleep(for: timeout) }
                } catch { return nil }
                return .failure(ProviderError(.timeout, provider: provider, "the answer's body did not arrive within \(timeout)"))
            }
            defer { group.cancelAll() }
            for await case let result? in group { return result }
            return .failure(ProviderError(.cancelled, provider: provider, "cancelled"))
        }
        switch outcome {
        case .success(let body): return body
        case .failure(let error): throw fail(error, request: nil)
        }
    }

    /// Throws `bad_response` unless the response's content type starts with one of `accepted`.
    public func expectContentType(_ response: HTTPClientResponse, _ accepted: [String]) throws(ProviderError) {
        let type = response.headers.first(name: "content-type")?.lowercased() ?? ""
        guard accepted.contains(where: { type.hasPrefix($0) }) else {
            throw fail(ProviderError(.badResponse, provider: provider, "unexpected content type '\(type)', expected \(accepted.joined(separator: " or "))"), request: nil)
        }
    }

    /// Decodes a JSON body as `T`; invalid JSON is `bad_response`.
    public func decode<T: Decodable>(_ type: T.Type, from body: ByteBuffer) throws(ProviderError) -> T {
        do { return try JSONDecoder().decode(T.self, from: Data(body.readableBytesView)) } catch {
            let preview = String(buffer: body).prefix(120)
            throw fail(ProviderError(.badResponse, provider: provider, "invalid JSON answer (\(Self.describe(error))): \(preview)"), request: nil)
        }
    }

    /// Logs `error` once and returns it.
    public func fail(_ error: ProviderError, request: HTTPClientRequest?) -> ProviderError {
        var metadata: Logger.Metadata = ["provider": "\(provider)", "error.kind": "\(error.kind)", "error": "\(error.message)"]
        if let request, let url = URL(string: request.url) { metadata["path"] = "\(request.method.rawValue) \(url.path)" }
        logger.warning("provider request failed", metadata: metadata)
        return error
    }

    public static func describe(_ error: any Error) -> String {
        String("\(error)".prefix(200))
    }
}

extension Duration {
    /// Whole nanoseconds.
    public var nanoseconds: Int64 { components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000 }
}

extension HTTPClientRequest {
    /// A request with `method`, `headers` and an optional body in one go.
    public static func make(_ url: String, method: HTTPMethod, headers: [(String, String)], body: [UInt8]? = nil) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        return request
    }
}
