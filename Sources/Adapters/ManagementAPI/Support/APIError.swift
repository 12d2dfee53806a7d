import Foundation
import Hummingbird
import NIOCore

/// An error the API answers with: `{"error": {"code", "message", "details"}, "request_id"}` and a status.
/// Messages are written for the client and never carry internals or secrets.
public struct APIError: Error, Sendable, Hashable {
    public let status: HTTPResponse.Status
    /// A stable, machine-readable code (`unauthorized`, `not_found`...).
    public let code: String
    public let message: String
    public let details: [String: String]

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, details: [String: String] = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
    }

    static func unauthorized(_ message: String) -> APIError {
        APIError(.unauthorized, "unauthorized", message)
    }
    static func forbidden(_ message: String) -> APIError { APIError(.forbidden, "forbidden", message) }
    static let notFound = APIError(.notFound, "not_found", "no such resource")
    static let authNotConfigured = APIError(
        .serviceUnavailable, "auth_not_configured",
        "the API is disabled: no token key is configured (http.auth.hs256_secret or http.auth.public_keys_file)")

    /// The JSON response for this error.
    func response(requestID: String) -> Response {
        var error: [String: Any] = ["code": code, "message": message]
        if !details.isEmpty { error["details"] = details }
        var response = JSONBody.response(status, ["error": error, "request_id": requestID])
        if status == .unauthorized { response.headers[.wwwAuthenticate] = #"Bearer realm="voicegatewayd""# }
        if status == .tooManyRequests, let seconds = details["retry_after_s"] { response.headers[.retryAfter] = seconds }
        return response
    }
}

/// JSON bodies of responses.
enum JSONBody {
    /// `body` as compact JSON with sorted keys (strings' newlines escaped: one line).
    static func data(_ body: [String: Any]) -> Data {
        (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data("{}".utf8)
    }

    static func response(_ status: HTTPResponse.Status, _ body: [String: Any]) -> Response {
        let data = data(body)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
