import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Gives every request an id (the client's `X-Request-ID` when it is a sane token, else a new UUID),
/// echoes it, logs the request with it, and renders every error as the API's JSON error body: an
/// `APIError` as it is, Hummingbird's own errors (unknown route, wrong method, body too large) with
/// their status, anything else as a 500 that says nothing about the internals.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.requestID = Self.accepted(request.headers[.xRequestID]) ?? UUID().uuidString.lowercased()
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = render(error, request: request, requestID: context.requestID)
        }
        response.headers[.xRequestID] = context.requestID
        if response.status == .methodNotAllowed, let methods = KnownRoutes.methods(for: request.uri.path) {
            response.headers[.allow] = methods.map(\.rawValue).joined(separator: ", ")
        }
        if request.uri.path.hasPrefix("/v1") {
            logger.info("api request", metadata: [
                "request.id": "\(context.requestID)", "method": "\(request.method)", "path": "\(request.uri.path)",
                "status": "\(response.status.code)", "tenant.id": "\(context.principal?.tenantID.rawValue ?? "-")",
            ])
        }
        return response
    }

    /// The error body of a failed request: an `APIError` as it is, Hummingbird's own errors with their status
    /// (an unknown method on a known path as 405), anything else as a 500 that says nothing about the internals.
    private func render(_ error: any Error, request: Request, requestID: String) -> Response {
        switch error {
        case let error as APIError:
            return error.response(requestID: requestID)
        case let error as any HTTPResponseError:
            if error.status == .notFound, let wrongMethod = KnownRoutes.methodNotAllowed(request.method, request.uri.path) {
                return wrongMethod.response(requestID: requestID)
            }
            let code = error.status == .notFound ? "not_found" : error.status == .methodNotAllowed ? "method_not_allowed"
                : error.status == .contentTooLarge ? "body_too_large" : "bad_request"
            let message = error.status == .notFound ? "no such resource" : error.status.reasonPhrase
            return APIError(error.status, code, message).response(requestID: requestID)
        default:
            logger.error("request failed", metadata: ["request.id": "\(requestID)", "error": "\(error)"])
            return APIError(.internalServerError, "internal", "internal error").response(requestID: requestID)
        }
    }

    /// A client's request id is kept when it is 1-128 characters of letters, digits, `-`, `_`, `.`.
    static func accepted(_ value: String?) -> String? {
        guard let value, (1...128).contains(value.count),
              value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") })
        else { return nil }
        return value
    }
}

extension HTTPField.Name {
    static let xRequestID = Self("X-Request-ID")!
}
