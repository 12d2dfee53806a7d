import AdapterSupport
@testable import Agent
import Domain
import Foundation
import Logging
import Synchronization
import Testing
import TestSupport

/// The orchestrator client against a fake orchestrator on loopback that serves exactly
/// docs/agent-orchestrator.md.
@Suite("Agent orchestrator client")
struct OrchestratorAgentTests {
    static func agent(_ server: FakeVendorServer) -> OrchestratorAgent {
        OrchestratorAgent(
            configuration: .init(http: HTTPProviderSettings(baseURL: server.baseURL, apiKey: "tok", timeout: .seconds(30))),
            logger: Logger(label: "test"))
    }

    static let context = AgentContext(
        callID: "call-1", conversationID: "conv-local", tenantID: "acme", agentID: "support-bot", callerNumber: "+15550001111",
        calleeNumber: "+15557654321")

    static func json(_ request: FakeVendorServer.Request) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any] ?? [:]
    }

    static func actions(_ conversation: any AgentConversation, _ input: AgentInput) async throws -> [AgentAction] {
        var actions: [AgentAction] = []
        for try await action in conversation.respond(to: input) { actions.append(action) }
        return actions
    }

    static func events(_ events: [(String, String)]) -> FakeVendorServer.Response {
        FakeVendorServer.Response(
            contentType: "text/event-stream", chunks: events.map { Array("event: \($0.0)\ndata: \($0.1)\n\n".utf8) }, delay: .milliseconds(1))
    }

    @Test func aCallIsAConversationAndEachTurnStreamsItsReply() async throws {
        let server = try await FakeVendorServer { request in
            switch (request.method, request.path) {
            case ("POST", "/api/v1/conversations"):
                return .json(#"{"id":"conv 7","greeting":"Hello from the orchestrator.","expected_phrases":["balance"]}"#, status: 201)
            case ("POST", "/api/v1/conversations/conv%207/turns"):
                let input = Self.json(request)["input"] as? [String: Any]
                if input?["type"] as? String == "digits" { return .json(#"{"actions":[{"type":"say","text":"Thanks."},{"type":"hangup"}]}"#) }
                return Self.events([
                    ("text", #"{"text":"Your balance is "}"#), ("text", #"{"text":"ten dollars. Please key"}"#),
                    ("text", #"{"text":" your PIN"}"#),
                    ("action", ##"{"type":"collect_digits","max":4,"terminator":"#"}"##), ("future", "{}"), ("done", "{}"),
                ])
            default:
                return .json(#"{"error":{"message":"not found"}}"#, status: 404)
            }
        }
        let conversation = try await Self.agent(server).startConversation(Self.context)
        #expect(conversation.expectedPhrases == ["balance"])
        #expect(try await conversation.opening() == [.say("Hello from the orchestrator.")])
        conversation.heard("Hello from the orchestrator.")
        let reply = try await Self.actions(conversation, .utterance("what is my balance", confidence: 0.9))
        #expect(reply == [.say("Your balance is ten dollars."), .say("Please key your PIN"), .collectDigits(maxDigits: 4, terminator: "#")])
        #expect(try await Self.actions(conversation, .digits("1234")) == [.say("Thanks."), .hangup])

        let create = server.requests[0]
        #expect(create.header("Authorization") == "Bearer tok")
        #expect(create.header("Idempotency-Key") == "conv-local")
        let body = Self.json(create)
        #expect(body["tenant_id"] as? String == "acme" && body["call_id"] as? String == "call-1" && body["agent_id"] as? String == "support-bot")
        #expect(body["caller_number"] as? String == "+15550001111" && body["channel"] as? String == "voice")
        let turn = server.requests[1]
        let turnBody = Self.json(turn)
        #expect(turn.header("Idempotency-Key") == turnBody["turn_id"] as? String)
        #expect(turnBody["heard"] as? String == "Hello from the orchestrator.")
        #expect((turnBody["input"] as? [String: Any])?["text"] as? String == "what is my balance")
        #expect(Self.json(server.requests[2])["heard"] == nil, "nothing was reported heard since the last turn")
        await server.close()
    }

    @Test func idempotentCallsAreRetriedOnceAndOthersAreNot() async throws {
        let attempts = Mutex<[String: Int]>([:])
        let server = try await FakeVendorServer { request in
            let count = attempts.withLock { $0[request.path, default: 0] += 1; return $0[request.path]! }
            switch request.path {
            case "/api/v1/conversations":
                return count == 1 ? .json("{}", status: 503) : .json(#"{"id":"c1"}"#, status: 201)
            case "/api/v1/conversations/c1/agent":
                return count == 1 ? .json("{}", status: 504) : .json(#"{"id":"support-bot","voice":"alloy"}"#)
            case "/api/v1/conversations/c1/transfer":
                return .json("{}", status: 503)
            default:
                return count == 1 ? .json("{}", status: 500) : .json(#"{"actions":[{"type":"say","text":"Second try."}]}"#)
            }
        }
        let agent = Self.agent(server)
        let conversation = try await agent.startConversation(Self.context)
        #expect(try await Self.actions(conversation, .noInput) == [.say("Second try.")])
        #expect(try await agent.client.agent(of: "c1") == .init(id: "support-bot", name: nil, language: nil, voice: "alloy"))
        await #expect { try await agent.client.requestTransfer(conversation: "c1", target: "queue:a", reason: "r") } throws: {
            ($0 as? ProviderError)?.kind == .server
        }
        #expect(attempts.withLock { $0 } == [
            "/api/v1/conversations": 2, "/api/v1/conversations/c1/turns": 2, "/api/v1/conversations/c1/agent": 2,
            "/api/v1/conversations/c1/transfer": 1,
        ])
        await server.close()
    }

    @Test func failuresAreClassifiedAndBadActionsSkipped() async throws {
        let server = try await FakeVendorServer { request in
            if request.path == "/api/v1/conversations" { return .json(#"{"id":"c1"}"#, status: 201) }
            switch Self.json(request)["input"].flatMap({ ($0 as? [String: Any])?["text"] as? String }) ?? "" {
            case "auth": return .json(#"{"error":{"message":"bad token"}}"#, status: 401)
            case "stream error": return Self.events([("text", #"{"text":"Hmm"}"#), ("error", #"{"message":"model overloaded"}"#)])
            case "garbage": return Self.events([("text", "{not json")])
            default:
                return .json(#"{"actions":[{"type":"transfer","target":"pstn"},{"type":"launch"},{"type":"transfer","target":"+15551234567"}]}"#)
            }
        }
        let conversation = try await Self.agent(server).startConversation(Self.context)
        await #expect { try await Self.actions(conversation, .utterance("auth")) } throws: { ($0 as? ProviderError)?.kind == .auth }
        await #expect { try await Self.actions(conversation, .utterance("stream error")) } throws: { ($0 as? ProviderError)?.kind == .server }
        await #expect { try await Self.actions(conversation, .utterance("garbage")) } throws: { ($0 as? ProviderError)?.kind == .badResponse }
        #expect(try await Self.actions(conversation, .utterance("transfer me")) == [.transfer(.external(try PhoneNumber("+15551234567")))])
        await server.close()
    }
}
