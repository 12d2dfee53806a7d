import AdapterSupport
import AsyncHTTPClient
import Domain
import Foundation
import NIOCore
import NIOHTTP1

/// ARI's REST interface over async-http-client: basic auth, a timeout per request, and failures
/// classified into `ProviderError` kinds.
struct ARIRESTClient: Sendable {
    let baseURL: URL
    let authorization: String
    let timeout: Duration
    let http: HTTPClient

    init(baseURL: URL, username: String, password: String, timeout: Duration, http: HTTPClient) {
        self.baseURL = baseURL
        self.authorization = "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
        self.timeout = timeout
        self.http = http
    }

    /// A response: status and body.
    struct Response: Sendable {
        let status: Int
        let body: Data
        var message: String {
            (try? JSONDecoder().decode([String: String].self, from: body))?["message"] ?? String(decoding: body.prefix(200), as: UTF8.self)
        }
    }

    /// Sends `method path?query`; returns any HTTP response (callers decide what a status means), throws
    /// only when there was no response.
    func send(_ method: HTTPMethod, _ path: String, query: [(String, String)] = []) async throws(ProviderError) -> Response {
        var components = URLComponents(url: baseURL.appendingPathComponent("ari").appendingPathComponent(path), resolvingAgainstBaseURL: false)
        if !query.isEmpty { components?.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) } }
        // URLComponents leaves ',' ':' '/' alone; ARI accepts them (channel=a,b; external_host=ip:port).
        guard let url = components?.url?.absoluteString else {
            throw ProviderError(.badRequest, provider: "ari", "cannot build a URL for \(path)")
        }
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Authorization", value: authorization)
        do {
            let response = try await http.execute(request, timeout: .nanoseconds(Int64(timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)))
            let body = try await response.body.collect(upTo: 4 << 20)
            return Response(status: Int(response.status.code), body: Data(body.readableBytesView))
        } catch {
            let failure = HTTPFailure.classify(transport: error, provider: "ari")
            let detail = failure.kind == .timeout ? "no answer within \(timeout)" : failure.message
            throw ProviderError(failure.kind, provider: "ari", "\(method) \(path): \(detail)")
        }
    }

    /// Sends and requires a 2xx; other statuses become classified errors.
    @discardableResult
    func expectSuccess(_ method: HTTPMethod, _ path: String, query: [(String, String)] = []) async throws(ProviderError) -> Response {
        let response = try await send(method, path, query: query)
        try Self.check(response, "\(method) \(path)")
        return response
    }

    static func check(_ response: Response, _ what: String) throws(ProviderError) {
        guard !(200..<300).contains(response.status) else { return }
        let failure = HTTPFailure.classify(status: UInt(max(0, response.status)), body: response.message, provider: "ari")
        let hint = failure.kind == .auth ? " (check ari.username/ari.password)" : ""
        throw ProviderError(failure.kind, provider: "ari", "\(what): \(failure.message)\(hint)")
    }
}
