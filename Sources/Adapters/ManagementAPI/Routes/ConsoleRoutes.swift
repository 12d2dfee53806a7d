import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The operator console at `/console`: three static files shipped as the target's resources
/// (`Console/`), served as they are. The page holds no data: it reads the `/v1` API with the token the
/// operator pastes, so it needs no authentication itself. A strict Content-Security-Policy allows only
/// the daemon's own scripts, styles and API.
enum ConsoleRoutes {
    /// The files by request path, with their content type; read once.
    static let files: [String: (type: String, body: ByteBuffer)] = {
        var files: [String: (String, ByteBuffer)] = [:]
        for (name, type) in [("index.html", "text/html; charset=utf-8"), ("console.js", "text/javascript; charset=utf-8"),
                             ("console.css", "text/css; charset=utf-8")] {
            guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Console"),
                let data = try? Data(contentsOf: url)
            else { continue }
            files[name] = (type, ByteBuffer(bytes: data))
        }
        return files
    }()

    static let policy = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
        + "form-action 'none'; frame-ancestors 'none'; base-uri 'none'"

    static func add<Context: RequestContext>(to router: Router<Context>) {
        router.get("console") { _, _ in try serve("index.html") }
        router.get("console/:file") { _, context in try serve(context.parameters.get("file") ?? "") }
    }

    private static func serve(_ name: String) throws -> Response {
        guard let file = files[name] else {
            throw APIError(.notFound, "not_found", files.isEmpty ? "the console's files are not installed" : "no such resource")
        }
        var headers = HTTPFields()
        headers[.contentType] = file.type
        headers[.cacheControl] = "no-cache"
        headers[HTTPField.Name("Content-Security-Policy")!] = policy
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: file.body))
    }
}
