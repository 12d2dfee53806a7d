import Application
import Domain
import Hummingbird

/// `POST /v1/calls/{id}/hangup|say|transfer|dtmf|recording/stop`: commands to a live call of the token's tenant
/// (scope `calls:write`), answered 202 once the call has taken them.
enum CommandRoutes {
    private struct Empty: Decodable {}
    private struct Say: Decodable {
        let text: String
        let interrupt: Bool?
    }
    private struct Transfer: Decodable {
        let target: String
        let reason: String?
        let mode: String?
    }
    private struct DTMF: Decodable {
        let digits: String
    }

    static func add(to group: RouterGroup<APIRequestContext>, commands: any CallCommands) {
        group.post("calls/:id/hangup") { request, context in
            let (principal, id) = try target(context)
            _ = try await StrictJSON.decode(Empty.self, from: request, fields: [])
            try await run(id) { () async throws(CallCommandError) in try await commands.perform(.hangUp, on: id, tenant: principal.tenantID) }
            return accepted(id, "hangup")
        }
        group.post("calls/:id/recording/stop") { request, context in
            let (principal, id) = try target(context)
            _ = try await StrictJSON.decode(Empty.self, from: request, fields: [])
            try await run(id) { () async throws(CallCommandError) in
                try await commands.perform(.stopRecording, on: id, tenant: principal.tenantID)
            }
            return accepted(id, "stop_recording")
        }
        group.post("calls/:id/say") { request, context in
            let (principal, id) = try target(context)
            let body = try await StrictJSON.decode(Say.self, from: request, fields: ["text", "interrupt"])
            let text = body.text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard (1...1000).contains(text.count) else {
                throw APIError(.unprocessableContent, "invalid_field", "'text' must be 1 to 1000 characters", details: ["field": "text"])
            }
            try await run(id) { () async throws(CallCommandError) in
                try await commands.perform(.say(text, interrupt: body.interrupt ?? false), on: id, tenant: principal.tenantID)
            }
            return accepted(id, "say")
        }
        group.post("calls/:id/transfer") { request, context in
            let (principal, id) = try target(context)
            let body = try await StrictJSON.decode(Transfer.self, from: request, fields: ["target", "reason", "mode"])
            let destination = try transferTarget(body.target)
            let mode = try body.mode.map { (raw: String) throws(APIError) -> TransferMode in
                guard let mode = TransferMode(rawValue: raw) else {
                    throw APIError(.unprocessableContent, "invalid_field", "'mode' must be blind or warm", details: ["field": "mode"])
                }
                return mode
            }
            if let reason = body.reason, reason.count > 500 {
                throw APIError(.unprocessableContent, "invalid_field", "'reason' is at most 500 characters", details: ["field": "reason"])
            }
            let transfer = TransferRequest(target: destination, mode: mode, origin: .operator, reason: body.reason)
            try await run(id) { () async throws(CallCommandError) in
                try await commands.perform(.transfer(transfer), on: id, tenant: principal.tenantID)
            }
            return accepted(id, "transfer")
        }
        group.post("calls/:id/dtmf") { request, context in
            let (principal, id) = try target(context)
            let body = try await StrictJSON.decode(DTMF.self, from: request, fields: ["digits"])
            guard (1...32).contains(body.digits.count), body.digits.allSatisfy({ "0123456789*#ABCD".contains($0) }) else {
                throw APIError(.unprocessableContent, "invalid_field", "'digits' must be 1 to 32 of 0-9, *, #, A-D", details: ["field": "digits"])
            }
            try await run(id) { () async throws(CallCommandError) in try await commands.sendDTMF(body.digits, to: id, tenant: principal.tenantID) }
            return accepted(id, "dtmf")
        }
    }

    /// The caller (with `calls:write`) and the call the path names.
    private static func target(_ context: APIRequestContext) throws -> (APIPrincipal, CallID) {
        let principal = try context.principal(requiring: .callsWrite)
        guard let id = context.parameters.get("id"), !id.isEmpty, id.count <= 128 else { throw APIError.notFound }
        return (principal, CallID(id))
    }

    /// `queue:NAME`, `extension:NUMBER`, or an E.164 number (`+15551234567` or `external:+15551234567`).
    static func transferTarget(_ text: String) throws(APIError) -> TransferTarget {
        let invalid = APIError(.unprocessableContent, "invalid_field", "'target' must be queue:NAME, extension:NUMBER or +E164", details: ["field": "target"])
        if text.hasPrefix("queue:") || text.hasPrefix("extension:") {
            let name = text.drop { $0 != ":" }.dropFirst()
            guard (1...64).contains(name.count), name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else { throw invalid }
            return text.hasPrefix("queue:") ? .queue(String(name)) : .extension(String(name))
        }
        let number = text.hasPrefix("external:") ? String(text.dropFirst("external:".count)) : text
        guard number.hasPrefix("+"), let phone = try? PhoneNumber(number) else { throw invalid }
        return .external(phone)
    }

    private static func run(_ id: CallID, _ body: () async throws(CallCommandError) -> Void) async throws(APIError) {
        do { try await body() } catch {
            switch error {
            case .notFound: throw APIError.notFound
            case .notLive: throw APIError(.conflict, "call_not_live", "the call is over")
            case .notAnswered: throw APIError(.conflict, "call_not_answered", "the outbound call is still ringing")
            case .elsewhere(let instance):
                throw APIError(.conflict, "call_elsewhere", "the call is handled by another instance", details: ["instance_id": instance.rawValue])
            case .unsupported(let why): throw APIError(.conflict, "unsupported", why)
            case .telephony: throw APIError(.badGateway, "telephony_error", "Asterisk refused the request")
            case .unavailable: throw APIError(.serviceUnavailable, "state_unavailable", "the call state cannot be read right now")
            case .destinationNotAllowed(let number):
                throw APIError(.forbidden, "destination_not_allowed", "\(number) is not in calls.allowed_destinations")
            }
        }
    }

    private static func accepted(_ id: CallID, _ command: String) -> Response {
        JSONBody.response(.accepted, ["call_id": id.rawValue, "command": command, "status": "accepted"])
    }
}
