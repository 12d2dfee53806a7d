import AdapterSupport
@testable import Agent
import Domain
import Foundation
import Logging
import Testing
import TestSupport

/// Tenant functions answered by webhooks: the model calls one, the daemon POSTs it, the model goes on with
/// the result; a failing or late webhook is spoken as its fallback line.
@Suite("Webhook function tools")
struct WebhookToolTests {
    static let toolCall = ##"{"index":0,"id":"call_7","type":"function","function":{"name":"get_balance","arguments":"{\"account\":\"12345\"}"}}"##

    /// A model that calls `get_balance` first, and speaks the tool's result once it has one.
    static func model() async throws -> FakeVendorServer {
        try await FakeVendorServer { request in
            let body = (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any]
            let last = (body?["messages"] as? [[String: Any]])?.last
            if last?["role"] as? String == "tool" {
                let result = last?["content"] as? String ?? ""
                let answer = result.contains("42") ? "Your balance is forty two dollars." : "I could not find it."
                return OpenAIChatAgentTests.sse(OpenAIChatAgentTests.stream([answer]))
            }
            return OpenAIChatAgentTests.sse(OpenAIChatAgentTests.stream(["Let me check that for you."], toolCalls: [toolCall]))
        }
    }

    static func agent(_ model: FakeVendorServer, hook: String, timeout: Duration = .seconds(30)) -> OpenAIChatAgent {
        let tool = WebhookTool(
            name: "get_balance", description: "Look up the balance.",
            parameters: .object(["type": "object", "properties": .object(["account": .object(["type": "string"])])]),
            url: hook, bearerToken: "hook-secret", timeout: timeout, fallback: "Sorry, the balance service is down.")
        return OpenAIChatAgent(
            configuration: .init(
                http: HTTPProviderSettings(baseURL: model.baseURL, apiKey: "sk-test", timeout: .seconds(30)), model: "gpt-test", tools: [tool]),
            logger: Logger(label: "test"))
    }

    static let context = AgentContext(callID: "call-1", conversationID: "conv-1", tenantID: "acme")

    @Test func theModelGoesOnWithTheWebhooksResult() async throws {
        let model = try await Self.model()
        let hook = try await FakeVendorServer { _ in
            FakeVendorServer.Response(contentType: "application/json", chunks: [Array(#"{"result":{"balance":42,"currency":"USD"}}"#.utf8)])
        }
        let conversation = try await Self.agent(model, hook: hook.baseURL + "/hooks/balance").startConversation(Self.context)
        let actions = try await OpenAIChatAgentTests.actions(conversation, .utterance("what is my balance"))
        #expect(actions == [.say("Let me check that for you."), .say("Your balance is forty two dollars.")])

        // The webhook got the call, with the tenant's token.
        let call = try #require(hook.requests.first)
        #expect(call.method == "POST" && call.path == "/hooks/balance" && call.header("Authorization") == "Bearer hook-secret")
        let payload = try #require(try JSONSerialization.jsonObject(with: Data(call.body)) as? [String: Any])
        #expect(payload["name"] as? String == "get_balance" && payload["call_id"] as? String == "call-1" && payload["tenant_id"] as? String == "acme")
        #expect((payload["arguments"] as? [String: Any])?["account"] as? String == "12345")
        // The model was offered the tool with its schema, and its second request carries the result.
        #expect(model.requests.count == 2)
        let first = try #require(try JSONSerialization.jsonObject(with: Data(model.requests[0].body)) as? [String: Any])
        let names = (first["tools"] as? [[String: Any]] ?? []).compactMap { ($0["function"] as? [String: Any])?["name"] as? String }
        #expect(names == ["transfer_call", "end_call", "collect_digits", "get_balance"])
        let second = try #require(try JSONSerialization.jsonObject(with: Data(model.requests[1].body)) as? [String: Any])
        let messages = try #require(second["messages"] as? [[String: Any]])
        #expect(messages.suffix(2).map { $0["role"] as? String } == ["assistant", "tool"])
        #expect(messages.last?["tool_call_id"] as? String == "call_7")
        #expect((messages.last?["content"] as? String)?.contains(#""balance":42"#) == true)
        await hook.close()
        await model.close()
    }

    @Test(arguments: [500, 0])
    func aFailingOrLateWebhookIsSpokenAsItsFallback(status: Int) async throws {
        let model = try await Self.model()
        // status 0: a webhook that answers only after its 200 ms deadline (whatever the machine's load, late).
        let hook = try await FakeVendorServer { _ in
            status == 0
                ? FakeVendorServer.Response(contentType: "application/json", chunks: [Array(#"{"result":"x"}"#.utf8)], delay: .seconds(20))
                : FakeVendorServer.Response(status: status, contentType: "application/json", chunks: [Array(#"{"error":"down"}"#.utf8)])
        }
        let agent = Self.agent(model, hook: hook.baseURL + "/hooks/balance", timeout: .milliseconds(200))
        let conversation = try await agent.startConversation(Self.context)
        let actions = try await OpenAIChatAgentTests.actions(conversation, .utterance("what is my balance"))
        #expect(actions == [.say("Let me check that for you."), .say("Sorry, the balance service is down.")])
        #expect(model.requests.count == 1, "the model is not asked again after a failed webhook")
        await hook.close()
        await model.close()
    }

    @Test(arguments: [
        ("tools: [{name: get_balance}]", "tools[0].url"),
        ("tools: [{name: end_call, url: 'http://x'}]", "tools[0].name"),
        ("tools: [{name: 'bad name', url: 'http://x'}]", "tools[0].name"),
        ("tools: [{name: a, url: 'http://x', timeout_ms: 5}]", "tools[0].timeout_ms"),
        ("tools: [{name: a, url: 'http://x', parameters: [1]}]", "tools[0].parameters"),
        ("nothing: here", "tools"),
    ])
    func badToolsFilesNameTheKey(yaml: String, key: String) {
        do {
            _ = try WebhookTool.parse(yaml: yaml)
            Issue.record("\(yaml) should be refused")
        } catch {
            #expect(error.key == key)
        }
    }

    @Test func aToolsFileParses() throws {
        let tools = try WebhookTool.parse(yaml: """
            tools:
              - name: get_balance
                description: Look up the caller's account balance.
                parameters: {type: object, properties: {account: {type: string}}, required: [account]}
                url: https://crm.example.com/hooks/balance
                timeout_ms: 2500
                fallback: "Sorry."
            """)
        #expect(tools.count == 1 && tools[0].timeout == .milliseconds(2500) && tools[0].fallback == "Sorry.")
        #expect(tools[0].parameters == .object([
            "type": "object", "properties": .object(["account": .object(["type": "string"])]), "required": .array(["account"]),
        ]))
    }
}
