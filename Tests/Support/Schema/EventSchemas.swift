import Domain
import Foundation

/// The event schemas of the repository (`schemas/`), loaded once from the source tree.
public enum EventSchemas {
    /// `<package>/schemas`, found from this file's path (tests never read outside the repository).
    public static let directory: URL = ExternalBinary.packageRoot().appendingPathComponent("schemas")

    /// The envelope validator.
    public static let envelope: JSONSchemaValidator? = try? JSONSchemaValidator(contentsOf: directory.appendingPathComponent("call-event.schema.json"))

    /// The validator of each event type's `data`.
    public static let data: [String: JSONSchemaValidator] = {
        var validators: [String: JSONSchemaValidator] = [:]
        for type in CallEventType.all {
            let url = directory.appendingPathComponent("data/\(type.rawValue).schema.json")
            if let validator = try? JSONSchemaValidator(contentsOf: url) { validators[type.rawValue] = validator }
        }
        return validators
    }()
}

/// The schema errors of one serialised call event (envelope and the `data` of its type); empty when
/// valid. Any test that emits events can call it.
public func validateEvent(_ json: Data) -> [String] {
    guard let envelope = EventSchemas.envelope else { return ["schemas/call-event.schema.json could not be loaded"] }
    let value: JSONValue
    do { value = try JSONDecoder().decode(JSONValue.self, from: json) } catch { return ["not JSON: \(error)"] }
    var errors = envelope.validate(value)
    guard case .object(let members) = value, let type = members["type"]?.stringValue, let data = members["data"] else { return errors }
    guard let validator = EventSchemas.data[type] else { return errors + ["no data schema for type '\(type)'"] }
    errors += validator.validate(data).map { "/data" + $0 }
    return errors
}

/// `validateEvent` for an event value (encoded as the publishers encode it).
public func validateEvent(_ event: CallEvent) -> [String] {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    guard let json = try? encoder.encode(event) else { return ["event not encodable"] }
    return validateEvent(json)
}
