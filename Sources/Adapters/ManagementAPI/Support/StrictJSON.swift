import Foundation
import Hummingbird

/// Request bodies, strictly: at most `limit` bytes (413), JSON (415 otherwise), an object (400), no
/// field the operation does not know (400 `unknown_field`), every field of the right type (422
/// `invalid_field`, also for a null). An empty body is `{}`.
enum StrictJSON {
    /// Request bodies are small: a line to say, a target, digits.
    static let limit = 16 * 1024

    static func decode<T: Decodable>(_ type: T.Type, from request: Request, fields: Set<String>) async throws -> T {
        var request = request
        let buffer = try await request.collectBody(upTo: limit)
        var data = Data(buffer: buffer)
        if data.isEmpty {
            data = Data("{}".utf8)
        } else if let contentType = request.headers[.contentType], !contentType.lowercased().hasPrefix("application/json") {
            throw APIError(.unsupportedMediaType, "unsupported_media_type", "the body must be application/json")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data), let dictionary = object as? [String: Any] else {
            throw APIError(.badRequest, "invalid_json", "the body is not a JSON object")
        }
        if let unknown = dictionary.keys.sorted().first(where: { !fields.contains($0) }) {
            throw APIError(.badRequest, "unknown_field", "unknown field '\(unknown.prefix(64))'", details: ["field": String(unknown.prefix(64))])
        }
        // No field is nullable: an optional field is left out, not null.
        if let null = dictionary.keys.sorted().first(where: { dictionary[$0] is NSNull }) {
            throw APIError(.unprocessableContent, "invalid_field", "'\(null)' must not be null", details: ["field": null])
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw APIError(.unprocessableContent, "invalid_field", "'\(key.stringValue)' is required", details: ["field": key.stringValue])
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw APIError(.unprocessableContent, "invalid_field", "'\(field)' has the wrong type", details: ["field": field])
        } catch {
            throw APIError(.badRequest, "invalid_json", "the body is not valid JSON")
        }
    }
}
