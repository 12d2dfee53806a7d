import Foundation
import Yams

/// A configuration as flat `dotted.key -> text` pairs: the embedded default, overlaid by a file, then by
/// `VOICEGW_*` environment variables. Every key a file or the environment sets must exist in the default,
/// so a typo is an error naming the key rather than a silently ignored setting.
struct ConfigTree: Sendable {
    private(set) var values: [String: String]

    /// The embedded default.
    static func embedded() throws(ConfigError) -> ConfigTree {
        try ConfigTree(yaml: EmbeddedDefaults.configuration, origin: "embedded default", allowNewKeys: true, base: [:])
    }

    private init(yaml: String, origin: String, allowNewKeys: Bool, base: [String: String]) throws(ConfigError) {
        let loaded: Any?
        do { loaded = try Yams.load(yaml: yaml) } catch {
            throw ConfigError(key: "(\(origin))", message: "not valid YAML: \(error)")
        }
        var values = base
        if let loaded {
            guard let map = loaded as? [String: Any] else {
                throw ConfigError(key: "(\(origin))", message: "the top level must be a mapping")
            }
            try Self.flatten(map, prefix: "", into: &values, known: allowNewKeys ? nil : Set(base.keys))
        }
        self.values = values
    }

    /// This tree overlaid by the YAML file at `path`.
    func overlaid(file path: String) throws(ConfigError) -> ConfigTree {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ConfigError(key: "--config", message: "cannot read \(path): \(error.localizedDescription)")
        }
        return try ConfigTree(yaml: text, origin: path, allowNewKeys: false, base: values)
    }

    /// This tree overlaid by `VOICEGW_*` variables of `environment`. Returns unknown variable names too.
    func overlaid(environment: [String: String]) -> (ConfigTree, unknown: [String]) {
        var copy = self
        var byEnvName: [String: String] = [:]
        for key in values.keys { byEnvName[Self.environmentName(for: key)] = key }
        var unknown: [String] = []
        for (name, value) in environment where name.hasPrefix("VOICEGW_") {
            if let key = byEnvName[name] { copy.values[key] = value } else { unknown.append(name) }
        }
        return (copy, unknown.sorted())
    }

    /// `media.rtp.port_min` -> `VOICEGW_MEDIA_RTP_PORT_MIN`.
    static func environmentName(for key: String) -> String {
        "VOICEGW_" + key.uppercased().replacingOccurrences(of: ".", with: "_")
    }

    subscript(key: String) -> String? { values[key] }

    /// Sections whose keys are not fixed by the default (`events.kafka.properties.sasl.mechanisms`,
    /// `ari.servers.pbx1.url`).
    static let passThroughPrefixes = ["events.kafka.properties.", "ari.servers."]

    /// Every key below `prefix` with its value, the prefix removed.
    func values(below prefix: String) -> [String: String] {
        var out: [String: String] = [:]
        for (key, value) in values where key.hasPrefix(prefix) { out[String(key.dropFirst(prefix.count))] = value }
        return out
    }

    private static func flatten(_ map: [String: Any], prefix: String, into values: inout [String: String], known: Set<String>?) throws(ConfigError) {
        for (name, value) in map {
            let key = prefix.isEmpty ? name : "\(prefix).\(name)"
            if let nested = value as? [String: Any] {
                try flatten(nested, prefix: key, into: &values, known: known)
                continue
            }
            // Pass-through maps: any key below them is allowed (librdkafka properties).
            if let known, !known.contains(key), !Self.passThroughPrefixes.contains(where: key.hasPrefix) {
                let hint = known.filter { $0.hasPrefix(key + ".") }.isEmpty ? "" : " (it is a section, not a value)"
                throw ConfigError(key: key, message: "unknown key\(hint)")
            }
            switch value {
            case let text as String: values[key] = text
            case let bool as Bool: values[key] = bool ? "true" : "false"
            case let int as Int: values[key] = String(int)
            case let double as Double: values[key] = String(double)
            case is NSNull: values[key] = ""
            case let list as [Any]: values[key] = list.map { "\($0)" }.joined(separator: ",")
            default: throw ConfigError(key: key, message: "unsupported value \(value)")
            }
        }
    }
}

/// A configuration problem, naming the key.
struct ConfigError: Error, CustomStringConvertible, Equatable {
    let key: String
    let message: String
    var description: String { "invalid configuration: \(key): \(message)" }
}
