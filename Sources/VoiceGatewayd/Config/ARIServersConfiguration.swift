import Foundation

extension DaemonConfiguration {
    /// One Asterisk server of `ari.servers`.
    struct ARIServer: Sendable, Hashable {
        var name: String
        var url: URL
        var username: String
        var password: String
        var app: String
    }

    /// The fields a server of `ari.servers` may have.
    static let ariServerFields: Set<String> = ["url", "username", "password", "password_file", "app"]

    /// `ari.servers`, sorted by name (the order outbound calls try them in); missing fields come from
    /// `base` (`ari.username`, `ari.password`, `ari.app`). Empty when the section is.
    static func ariServers(_ r: ConfigReader, base: ARI) throws(ConfigError) -> [ARIServer] {
        var names: Set<String> = []
        for key in r.values(below: "ari.servers.").keys {
            let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2, ariServerFields.contains(parts[1]) else {
                throw ConfigError(key: "ari.servers.\(key)", message: "a server is a section of \(ariServerFields.sorted().joined(separator: ", "))")
            }
            names.insert(parts[0])
        }
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-")
        var servers: [ARIServer] = []
        for name in names.sorted() {
            let prefix = "ari.servers.\(name)."
            guard (1...32).contains(name.count), name.allSatisfy(allowed.contains), !name.hasPrefix("voicegw") else {
                throw ConfigError(key: "ari.servers.\(name)", message: "a server's name is 1-32 of a-z, 0-9 and '-', not starting with voicegw")
            }
            let given = { (field: String) -> String? in r.value(prefix + field).flatMap { $0.isEmpty ? nil : $0 } }
            let password = given("password") != nil || given("password_file") != nil ? try r.secret(prefix + "password") : base.password
            servers.append(ARIServer(
                name: name, url: try r.url(prefix + "url", schemes: ["http", "https"]), username: given("username") ?? base.username,
                password: password, app: given("app") ?? base.app))
        }
        return servers
    }
}
