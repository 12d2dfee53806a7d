import Application
import Domain
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /v1/events`: Server-Sent Events of the token's tenant (scope `calls:read`), for the console and
/// integrations. `event: call` carries a call (as in `GET /v1/calls`) whenever its state changes;
/// `event: line` a line of a conversation (`call_id`, `speaker`, `text` redacted, `at`). A comment every
/// `keepAlive` keeps proxies from closing an idle stream. The calls of this instance only.
enum EventStreamRoute {
    /// What the stream's loop waits on.
    private enum Next: Sendable {
        case item(CallFeedItem)
        case keepAlive
    }

    static func add(to group: RouterGroup<APIRequestContext>, feed: CallFeed, clock: any Domain.Clock, keepAlive: Duration) {
        group.get("events") { request, context in
            let principal = try context.principal(requiring: .callsRead)
            if let name = request.uri.queryParameters.first?.key {
                throw APIError(.badRequest, "unknown_field", "unknown query parameter '\(name.prefix(64))'", details: ["field": String(name.prefix(64))])
            }
            guard let items = feed.subscribe(tenant: principal.tenantID) else {
                throw APIError(.tooManyRequests, "too_many_streams", "the tenant has \(feed.maxPerTenant) event streams open already")
            }
            var headers = HTTPFields()
            headers[.contentType] = "text/event-stream"
            headers[.cacheControl] = "no-cache"
            headers[HTTPField.Name("X-Accel-Buffering")!] = "no"
            return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: ": voicegatewayd events of tenant \(principal.tenantID)\nretry: 3000\n\n"))
                let (merged, input) = AsyncStream.makeStream(of: Next.self)
                await withTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await item in items { input.yield(.item(item)) }
                        input.finish()
                    }
                    group.addTask {
                        while (try? await clock.sleep(for: keepAlive)) != nil { input.yield(.keepAlive) }
                    }
                    for await next in merged {
                        // A client that went away ends the stream (and its subscription).
                        do { try await writer.write(ByteBuffer(string: frame(next))) } catch { break }
                    }
                    group.cancelAll()
                }
                try await writer.finish(nil)
            })
        }
    }

    private static func json(_ object: [String: Any]) -> String {
        String(decoding: JSONBody.data(object), as: UTF8.self)
    }

    private static func frame(_ next: Next) -> String {
        switch next {
        case .keepAlive:
            return ": keep-alive\n\n"
        case .item(.call(let call)):
            return "event: call\ndata: \(json(CallJSON.summary(call)))\n\n"
        case .item(.line(let callID, _, let line)):
            let body: [String: Any] = ["call_id": callID.rawValue, "speaker": line.speaker.rawValue, "text": line.text, "at": line.at.rfc3339]
            return "event: line\ndata: \(json(body))\n\n"
        }
    }
}
