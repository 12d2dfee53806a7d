extension DaemonConfiguration {
    /// The Asterisk Manager Interface, ARI's fallback (`ami.*`).
    struct AMI: Sendable, Hashable {
        var host: String
        var port: Int
        var username: String
        var secret: String
    }

    /// `ami.*`; nil when `ami.host` is empty. AMI names channels as the one Asterisk does, so it cannot
    /// serve `ari.servers`.
    static func ami(_ r: ConfigReader, servers: Int) throws(ConfigError) -> AMI? {
        let host = try r.string("ami.host").trimmingCharacters(in: .whitespaces)
        let port = try r.int("ami.port", in: 1...65535)
        let username = try r.string("ami.username")
        let secret = try r.secret("ami.secret")
        guard !host.isEmpty else { return nil }
        guard servers == 0 else { throw ConfigError(key: "ami.host", message: "the AMI fallback serves one Asterisk; leave it empty with ari.servers") }
        guard !username.isEmpty else { throw ConfigError(key: "ami.username", message: "must not be empty") }
        guard !secret.isEmpty else { throw ConfigError(key: "ami.secret", message: "must not be empty (or set ami.secret_file)") }
        return AMI(host: host, port: port, username: username, secret: secret)
    }
}
