import Domain
import Foundation

/// A small JSON Schema (draft 2020-12) validator: `type`, `required`, `properties`,
/// `additionalProperties` (boolean or schema), `items`, `enum`, `const`, `pattern`, `minimum`, `format`
/// (`date-time`, `uuid`). Enough for the repository's event schemas; an unsupported keyword is
/// reported as an error so that a schema cannot silently promise more than is checked.
public struct JSONSchemaValidator: Sendable {
    static let annotations: Set<String> = ["$schema", "$id", "title", "description", "$comment", "examples"]
    static let supported: Set<String> = [
        "type", "required", "properties", "additionalProperties", "items", "enum", "const", "pattern", "minimum", "format",
    ]

    public let schema: JSONValue

    public init(schema: JSONValue) {
        self.schema = schema
    }

    /// Loads a schema file.
    public init(contentsOf url: URL) throws {
        self.schema = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: url))
    }

    /// The errors of `value` against the schema (empty when valid), each with a JSON pointer.
    public func validate(_ value: JSONValue) -> [String] {
        var errors: [String] = []
        check(value, against: schema, at: "", into: &errors)
        return errors
    }

    private func check(_ value: JSONValue, against schema: JSONValue, at path: String, into errors: inout [String]) {
        if case .bool(let allowed) = schema {
            if !allowed { errors.append("\(path): not allowed") }
            return
        }
        guard case .object(let keywords) = schema else {
            errors.append("\(path): schema is not an object")
            return
        }
        for keyword in keywords.keys where !Self.supported.contains(keyword) && !Self.annotations.contains(keyword) {
            errors.append("\(path): unsupported schema keyword '\(keyword)'")
        }
        if let type = keywords["type"] {
            let allowed = type.stringValue.map { [$0] } ?? (type.arrayValue ?? []).compactMap(\.stringValue)
            if !allowed.contains(where: { Self.matches(value, type: $0) }) {
                errors.append("\(path): expected \(allowed.joined(separator: "|")), got \(Self.typeName(value))")
                return
            }
        }
        if let constant = keywords["const"], !Self.equal(constant, value) {
            errors.append("\(path): must be \(constant)")
        }
        if let options = keywords["enum"]?.arrayValue, !options.contains(where: { Self.equal($0, value) }) {
            errors.append("\(path): \(value) is not one of the allowed values")
        }
        if case .string(let text) = value {
            if let pattern = keywords["pattern"]?.stringValue,
                text.range(of: pattern, options: .regularExpression) == nil
            {
                errors.append("\(path): '\(text)' does not match \(pattern)")
            }
            if let format = keywords["format"]?.stringValue, !Self.conforms(text, format: format) {
                errors.append("\(path): '\(text)' is not a valid \(format)")
            }
        }
        if let minimum = keywords["minimum"].flatMap(Self.number), let number = Self.number(value), number < minimum {
            errors.append("\(path): \(number) is less than \(minimum)")
        }
        if case .array(let items) = value, let itemSchema = keywords["items"] {
            for (index, item) in items.enumerated() { check(item, against: itemSchema, at: "\(path)/\(index)", into: &errors) }
        }
        guard case .object(let members) = value else { return }
        for name in keywords["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where members[name] == nil {
            errors.append("\(path): missing required '\(name)'")
        }
        let properties = keywords["properties"]?.objectValue ?? [:]
        for (name, member) in members.sorted(by: { $0.key < $1.key }) {
            if let propertySchema = properties[name] {
                check(member, against: propertySchema, at: "\(path)/\(name)", into: &errors)
            } else if let additional = keywords["additionalProperties"] {
                if case .bool(false) = additional {
                    errors.append("\(path): unexpected property '\(name)'")
                } else {
                    check(member, against: additional, at: "\(path)/\(name)", into: &errors)
                }
            }
        }
    }

    static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object), ("integer", .int): true
        case ("number", .int), ("number", .double): true
        case ("integer", .double(let d)): d.rounded() == d
        default: false
        }
    }

    static func typeName(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "boolean"
        case .int: "integer"
        case .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    static func number(_ value: JSONValue) -> Double? {
        switch value {
        case .int(let i): Double(i)
        case .double(let d): d
        default: nil
        }
    }

    static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
        if let x = number(a), let y = number(b) { return x == y }
        return a == b
    }

    static func conforms(_ text: String, format: String) -> Bool {
        switch format {
        case "date-time": Timestamp(rfc3339: text) != nil
        case "uuid": UUIDv4.isValid(text)
        default: true  // Unknown formats are annotations in 2020-12.
        }
    }
}

extension JSONValue {
    var arrayValue: [JSONValue]? { if case .array(let v) = self { v } else { nil } }
    var objectValue: [String: JSONValue]? { if case .object(let v) = self { v } else { nil } }
}
