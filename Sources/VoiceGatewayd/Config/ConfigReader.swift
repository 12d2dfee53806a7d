import Foundation

/// Typed, validated reads from a `ConfigTree`; every failure names its key.
struct ConfigReader {
    let tree: ConfigTree

    func string(_ key: String) throws(ConfigError) -> String {
        guard let value = tree[key] else { throw ConfigError(key: key, message: "missing") }
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
        if let path = tree[fileKey], !path.isEmpty {
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
