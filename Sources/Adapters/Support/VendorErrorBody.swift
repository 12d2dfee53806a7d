import Domain

/// An error object some vendors send with HTTP 200 (`{"error": {"message": ..., "type"/"code"/"status": ...}}`).
public struct VendorErrorBody: Decodable, Sendable {
    public let message: String?
    public let type: String?
    public let status: String?
    public let code: FlexibleCode?

    /// `code` is a number at Google and a string at OpenAI.
    public enum FlexibleCode: Decodable, Sendable {
        case number(Int)
        case text(String)
        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Int.self) { self = .number(number) } else { self = .text(try container.decode(String.self)) }
        }
    }

    /// The classified failure: by HTTP-like code when there is one, else `bad_response`.
    public func providerError(_ provider: String) -> ProviderError {
        let text = "error in a 200 answer: \(message ?? type ?? status ?? "unknown")"
        if case .number(let code) = code, code >= 400 {
            return HTTPFailure.classify(status: UInt(code), body: text, provider: provider)
        }
        return ProviderError(.badResponse, provider: provider, text)
    }
}
