import Foundation
import Synchronization

/// Typed, validated reads from a `ConfigTree`; every failure names its key.
struct ConfigReader {
    let tree: ConfigTree
    /// Every key (and key prefix) read so far: a test checks that the configuration reads every key the
    /// embedded default has, so no documented key is silently ignored.
    let read = ReadKeys()

    init(tree: ConfigTree) { self.tree = tree }

    /// The raw value of `key`, recorded as read.
    func value(_ key: String) -> String? {
        read.insert(key)
        return tree[key]
    }

    /// Every `key: value` below `prefix` (a map such as `events.kafka.properties.`), recorded as read.
    func values(below prefix: String) -> [String: String] {
        read.insert(prefix)
        return tree.values(below: prefix)
    }

    func string(_ key: String) throws(ConfigError) -> String {
        guard let value = value(key) else { throw ConfigError(key: key, message: "missing") }
        return value
    }

    /// One of the cases of `T`, by raw value.
    func choice<T: RawRepresentable & CaseIterable>(_ key: String, _ type: T.Type) throws(ConfigError) -> T where T.RawValue == String {
        let allowed = T.allCases.map(\.rawValue)
        let name = try oneOf(key, allowed)
        guard let value = T(rawValue: name) else { throw ConfigError(key: key, message: "must be one of \(allowed.joined(separator: ", "))") }
        return value
    }

    func nonEmpty(_ key: String) throws(ConfigError) -> String {
        let value = try string(key).trimmingCharacters(in: .whitespaces)
        guard !value.isEmpty else { throw ConfigError(key: key, message: "must not be empty") }
        return value
    }

    func int(_ key: String, in range: ClosedRange<Int>) throws(ConfigError) -> Int {
        let text = try string(key).trimmingCharacters(in: .whitespaces)
        guard let value = Int(text) else { throw ConfigError(key: key, message: "must be an integer (got '\(text)')") }
        guard range.contains(value) else {
            throw ConfigError(key: key, message: "must be between \(range.lowerBound) and \(range.upperBound) (got \(value))")
        }
        return value
    }

    /// A decimal number in `range`.
    func number(_ key: String, in range: ClosedRange<Double>) throws(ConfigError) -> Double {
        let text = try string(key).trimmingCharacters(in: .whitespaces)
        guard let value = Double(text), value.isFinite else { throw ConfigError(key: key, message: "must be a number (got '\(text)')") }
        guard range.contains(value) else {
            throw ConfigError(key: key, message: "must be between \(range.lowerBound) and \(range.upperBound) (got \(value))")
        }
        return value
    }

    func milliseconds(_ key: String, in range: ClosedRange<Int>) throws(ConfigError) -> Duration {
        .milliseconds(try int(key, in: range))
    }

    func bool(_ key: String) throws(ConfigError) -> Bool {
        switch try string(key).lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        case let other: throw ConfigError(key: key, message: "must be true or false (got '\(other)')")
        }
    }

    func oneOf(_ key: String, _ allowed: [String]) throws(ConfigError) -> String {
        let value = try string(key)
        guard allowed.contains(value) else {
            throw ConfigError(key: key, message: "must be one of \(allowed.joined(separator: ", ")) (got '\(value)')")
        }
        return value
    }

    func url(_ key: String, schemes: [String]) throws(ConfigError) -> URL {
        let text = try nonEmpty(key)
        guard let url = URL(string: text), let scheme = url.scheme, schemes.contains(scheme), url.host != nil else {
            throw ConfigError(key: key, message: "must be a \(schemes.joined(separator: "/")) URL with a host (got '\(text)')")
        }
        return url
    }

    /// A secret: the contents of `key_file` when that is set, else the value of `key`.
    func secret(_ key: String) throws(ConfigError) -> String {
        let fileKey = key + "_file"
        if let path = value(fileKey), !path.isEmpty {
            do {
                return try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            } catch {
                throw ConfigError(key: fileKey, message: "cannot read \(path)")
            }
        }
        return try string(key)
    }

    /// A path that must name a readable file.
    func existingFile(_ key: String) throws(ConfigError) -> String {
        let path = try nonEmpty(key)
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw ConfigError(key: key, message: "no readable file at \(path)")
        }
        return path
    }
}

/// The keys a `ConfigReader` has read (keys, or map prefixes ending in `.`).
final class ReadKeys: Sendable {
    private let keys = Mutex<Set<String>>([])

    func insert(_ key: String) { _ = keys.withLock { $0.insert(key) } }

    /// Whether `key` was read, itself or as part of a map prefix.
    func contains(_ key: String) -> Bool {
        keys.withLock { keys in keys.contains(key) || keys.contains { $0.hasSuffix(".") && key.hasPrefix($0) } }
    }
}
