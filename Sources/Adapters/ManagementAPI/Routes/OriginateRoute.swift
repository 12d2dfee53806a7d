import Application
import Domain
import HTTPTypes
import Hummingbird

/// `POST /v1/calls`: places an outbound call for the token's tenant (scope `calls:write`), answered 202
/// `{call_id, state}` once Asterisk dials. The same `Idempotency-Key` again (a client retrying) gets the
/// same call, with `Idempotent-Replayed: true`; with a different body, 409.
enum OriginateRoute {
    private struct Body: Decodable {
        let to: String
        let from: String?
        let agent_id: String?
        let language: String?
        let voice: String?
        let variables: [String: String]?
        let timeout_s: Int?
    }

    static let fields: Set<String> = ["to", "from", "agent_id", "language", "voice", "variables", "timeout_s"]
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    static let replayed = HTTPField.Name("Idempotent-Replayed")!

    static func add(to group: RouterGroup<APIRequestContext>, commands: any CallCommands) {
        group.post("calls") { request, context in
            let principal = try context.principal(requiring: .callsWrite)
            var outbound = try parse(try await StrictJSON.decode(Body.self, from: request, fields: fields))
            if let key = request.headers[idempotencyKey] {
                guard Self.isToken(key, max: 128) else {
                    throw APIError(.unprocessableContent, "invalid_field", "Idempotency-Key is 1 to 128 of letters, digits, '-', '_', '.', ':'",
                        details: ["field": "Idempotency-Key"])
                }
                outbound.idempotencyKey = key
            }
            let placed: OriginatedCall
            do { placed = try await commands.originate(outbound, tenant: principal.tenantID) } catch let error as OriginateError {
                throw refusal(error)
            }
            var response = JSONBody.response(.accepted, ["call_id": placed.callID.rawValue, "state": placed.state.rawValue])
            if placed.replayed { response.headers[replayed] = "true" }
            return response
        }
    }

    private static func parse(_ body: Body) throws(APIError) -> OutboundCallRequest {
        func invalid(_ field: String, _ message: String) -> APIError {
            APIError(.unprocessableContent, "invalid_field", message, details: ["field": field])
        }
        guard let to = e164(body.to) else { throw invalid("to", "'to' must be an E.164 number (+ and 2 to 15 digits)") }
        var request = OutboundCallRequest(to: to)
        if let from = body.from {
            guard let number = e164(from) else { throw invalid("from", "'from' must be an E.164 number") }
            request.from = number
        }
        if let agent = body.agent_id {
            guard isToken(agent, max: 64) else { throw invalid("agent_id", "'agent_id' is 1 to 64 of letters, digits, '-', '_', '.', ':'") }
            request.agentID = agent
        }
        if let language = body.language {
            let parts = language.split(separator: "-", omittingEmptySubsequences: false)
            guard language.count <= 35, let first = parts.first, (2...3).contains(first.count), first.allSatisfy({ $0.isASCII && $0.isLetter }),
                parts.dropFirst().allSatisfy({ (1...8).contains($0.count) && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } })
            else { throw invalid("language", "'language' is a BCP 47 tag (en-US)") }
            request.language = language
        }
        if let voice = body.voice {
            guard isToken(voice, max: 64) else { throw invalid("voice", "'voice' is 1 to 64 of letters, digits, '-', '_', '.', ':'") }
            request.voice = voice
        }
        if let variables = body.variables {
            guard variables.count <= 20 else { throw invalid("variables", "at most 20 'variables'") }
            for (name, value) in variables {
                guard (1...64).contains(name.count), name.first.map({ $0.isASCII && ($0.isLetter || $0 == "_") }) == true,
                    name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
                else { throw invalid("variables", "a variable name is a letter or '_', then letters, digits or '_' (at most 64)") }
                guard value.count <= 500 else { throw invalid("variables", "a variable value is at most 500 characters") }
            }
            request.variables = variables
        }
        if let timeout = body.timeout_s {
            guard (5...120).contains(timeout) else { throw invalid("timeout_s", "'timeout_s' is 5 to 120") }
            request.timeout = .seconds(timeout)
        }
        return request
    }

    /// A strict E.164 number: `+`, a non-zero digit, 1 to 14 more digits (no spaces or punctuation).
    private static func e164(_ text: String) -> PhoneNumber? {
        guard text.hasPrefix("+"), text.dropFirst().allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return try? PhoneNumber(text)
    }

    static func isToken(_ text: String, max: Int) -> Bool {
        (1...max).contains(text.count) && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.:".contains($0)) }
    }

    private static func refusal(_ error: OriginateError) -> APIError {
        switch error {
        case .destinationNotAllowed(let number):
            return APIError(.forbidden, "destination_not_allowed", "\(number) is not in the allowed destinations", details: ["field": "to"])
        case .tenantLimit(let limit):
            return APIError(.tooManyRequests, "tenant_call_limit", "the tenant has its \(limit) concurrent calls already")
        case .unavailable:
            return APIError(.serviceUnavailable, "calls_unavailable", "this instance takes no new calls right now (full or draining)")
        case .idempotencyConflict:
            return APIError(.conflict, "idempotency_key_reused", "the Idempotency-Key was used for a different request")
        case .telephony(let failure) where failure.kind == .network || failure.kind == .timeout || failure.kind == .unavailable:
            return APIError(.serviceUnavailable, "telephony_unavailable", "Asterisk cannot be reached right now")
        case .telephony:
            return APIError(.badGateway, "telephony_error", "Asterisk refused the call")
        }
    }
}
