import AsyncHTTPClient
import Foundation
import Domain

/// The one classification of HTTP failures every adapter uses (vendors, agents, ARI): a status code or a
/// transport error becomes a `ProviderError` kind, which decides retries, fallbacks and metrics labels.
/// 408 and 504 are timeouts everywhere (the request may have been processed: retry only what is idempotent).
public enum HTTPFailure {
    /// The kind of failure an HTTP status stands for.
    public static func classify(status: UInt, body: String, provider: String) -> ProviderError {
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
    public static func classify(transport error: any Error, provider: String) -> ProviderError {
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
        return ProviderError(.network, provider: provider, VendorHTTP.describe(error))
    }

}
