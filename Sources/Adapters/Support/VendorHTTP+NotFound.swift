import AsyncHTTPClient
import Domain
import NIOCore

extension VendorHTTP {
    /// Like `send`, for a lookup of one resource: a 404 answer is nil (there is no such resource: an answer,
    /// not a failure); its body is read and dropped so the connection can be reused. Every other status
    /// outside 2xx, and every transport error, throws the classified error as `send` does.
    public func sendLookup(_ request: HTTPClientRequest) async throws(ProviderError) -> HTTPClientResponse? {
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .nanoseconds(Int64(timeout.nanoseconds)), logger: logger)
        } catch {
            throw fail(HTTPFailure.classify(transport: error, provider: provider), request: request)
        }
        if response.status.code == 404 {
            _ = try? await response.body.collect(upTo: 64 << 10)
            return nil
        }
        guard (200..<300).contains(response.status.code) else {
            let text = (try? await response.body.collect(upTo: 64 << 10)).map { String(buffer: $0) } ?? ""
            throw fail(HTTPFailure.classify(status: response.status.code, body: text, provider: provider), request: request)
        }
        return response
    }
}
