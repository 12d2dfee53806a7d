import ArgumentParser
import Domain
import Foundation
import ManagementAPI

/// `voicegatewayd token`: prints an HS256 bearer token for the operator API, signed with the configured
/// `http.auth.hs256_secret`.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Print a bearer token for the operator API (signed with http.auth.hs256_secret).")

    @OptionGroup var options: ConfigOptions

    @Option(help: "The tenant whose calls the token may see and steer.")
    var tenant: String

    @Option(help: "Space-separated scopes: calls:read, calls:write, admin.")
    var scope = "calls:read"

    @Option(help: "Lifetime in seconds.")
    var ttl = 3600

    @Option(help: "The token's subject (who it is for), for the logs.")
    var subject = "operator"

    func run() async throws {
        let (config, _) = try options.load()
        guard !config.apiHS256Secret.isEmpty else {
            FileHandle.standardError.write(Data("voicegatewayd: http.auth.hs256_secret is not set; no token can be signed\n".utf8))
            throw ExitCode(78)
        }
        var scopes: [APIScope] = []
        for word in scope.split(separator: " ") {
            guard let known = APIScope(rawValue: String(word)) else {
                throw ValidationError("unknown scope '\(word)' (calls:read, calls:write, admin)")
            }
            scopes.append(known)
        }
        guard (1...31_536_000).contains(ttl) else { throw ValidationError("--ttl must be 1...31536000 seconds") }
        print(try await APITokenMinter.hs256(
            secret: config.apiHS256Secret, tenant: TenantID(tenant), scopes: scopes, subject: subject, lifetime: .seconds(ttl)))
    }
}
