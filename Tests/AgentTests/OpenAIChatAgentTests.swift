import AdapterSupport
@testable import Agent
import Domain
import Foundation
import Logging
import Testing
import TestSupport

/// The OpenAI-compatible chat agent against a fake server on loopback (real HTTP, server-sent events),
/// fed the stream shapes real servers send.
@Suite("OpenAI-compatible chat agent")
struct OpenAIChatAgentTests {
    /// `data:` lines of chunks with the given content deltas (the first one `content: null`, as OpenAI
    /// sends it), a usage-only chunk, and `[DONE]` unless told otherwise.
    static func stream(_ deltas: [String], toolCalls: [String] = [], done: Bool = true) -> [[UInt8]] {
        var events = [#"{"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":null},"finish_reason":null}]}"#]
        for delta in deltas {
            let text = String(data: try! JSONEncoder().encode(delta), encoding: .utf8)!
            events.append(#"{"choices":[{"index":0,"delta":{"content":"# + text + #"},"finish_reason":null}]}"#)
        }
        for call in toolCalls { events.append(#"{"choices":[{"index":0,"delta":{"tool_calls":["# + call + #"]},"finish_reason":null}]}"#) }
        events.append(#"{"choices":[],"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15}}"#)
        if done { events.append("[DONE]") }
        return events.map { Array("data: \($0)\n\n".utf8) }
    }

    static func agent(_ server: FakeVendorServer, key: String = "sk-test") -> OpenAIChatAgent {
        OpenAIChatAgent(
            configuration: .init(
                http: HTTPProviderSettings(baseURL: server.baseURL, apiKey: key, timeout: .seconds(30)), model: "gpt-test",
                systemPrompt: "Be brief.", temperature: 0.2, maxTokens: 100, historyTurns: 2),
            logger: Logger(label: "test"))
    }

    static func actions(_ conversation: any AgentConversation, _ input: AgentInput) async throws -> [AgentAction] {
        var actions: [AgentAction] = []
        for try await action in conversation.respond(to: input) { actions.append(action) }
        return actions
    }

    /// The content of the last message of a request.
    static func lastMessage(_ request: FakeVendorServer.Request) -> String {
        let body = (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any]
        return ((body?["messages"] as? [[String: Any]])?.last?["content"] as? String) ?? ""
    }

    static func sse(_ chunks: [[UInt8]]) -> FakeVendorServer.Response {
        FakeVendorServer.Response(contentType: "text/event-stream", chunks: chunks, delay: .milliseconds(1))
    }

    @Test func repliesSentenceBySentenceAsTheStreamArrives() async throws {
        let server = try await FakeVendorServer { _ in
            Self.sse(Self.stream(["Your bal", "ance is ten dol", "lars. Is there anything", " else I can do?"]))
        }
        let conversation = try await Self.agent(server).startConversation(AgentContext(callID: "c", conversationID: "v", tenantID: "t"))
        #expect(try await conversation.opening() == [.say("Hello, how can I help you?")])
        let actions = try await Self.actions(conversation, .utterance("what is my balance", confidence: 0.9))
        #expect(actions == [.say("Your balance is ten dollars."), .say("Is there anything else I can do?")])

        let request = try #require(server.requests.first)
        #expect(request.method == "POST" && request.path == "/v1/chat/completions")
        #expect(request.header("Authorization") == "Bearer sk-test")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
        #expect(body["model"] as? String == "gpt-test")
        #expect(body["stream"] as? Bool == true)
        #expect(body["temperature"] as? Double == 0.2)
        #expect(body["max_tokens"] as? Int == 100)
        let messages = try #require(body["messages"] as? [[String: Any]])
        #expect(messages.map { $0["role"] as? String } == ["system", "user"])
        #expect(messages.last?["content"] as? String == "what is my balance")
        let tools = try #require(body["tools"] as? [[String: Any]])
        let names = tools.compactMap { ($0["function"] as? [String: Any])?["name"] as? String }
        #expect(names == ["transfer_call", "end_call", "collect_digits"])
        await server.close()
    }

    /// A call resumed after a restart: the model sees what was said before (not the daemon's own lines).
    @Test func aResumedCallCarriesOnWithItsHistory() async throws {
        let server = try await FakeVendorServer { _ in Self.sse(Self.stream(["Fifty dollars then."])) }
        let at = Timestamp(millisecondsSinceEpoch: 0)
        let history = [
            HistoryLine(speaker: .caller, text: "I want to pay my bill", at: at),
            HistoryLine(speaker: .agent, text: "Sure, how much?", at: at),
            HistoryLine(speaker: .system, text: "Sorry, where were we?", at: at),
        ]
        let conversation = try await Self.agent(server).startConversation(
            AgentContext(callID: "c", conversationID: "v", tenantID: "t", history: history))
        #expect(try await Self.actions(conversation, .utterance("fifty")) == [.say("Fifty dollars then.")])
        let request = try #require(server.requests.first)
        let body = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
        let messages = try #require(body["messages"] as? [[String: Any]])
        #expect(messages.map { $0["role"] as? String } == ["system", "user", "assistant", "user"])
        #expect(messages.map { $0["content"] as? String } == ["Be brief.", "I want to pay my bill", "Sure, how much?", "fifty"])
        await server.close()
    }

    @Test func aWithdrawnEarlyTurnLeavesNoTraceInTheHistory() async throws {
        let server = try await FakeVendorServer { _ in Self.sse(Self.stream(["Sure."])) }
        let conversation = try await Self.agent(server).startConversation(AgentContext(callID: "c", conversationID: "v", tenantID: "t"))
        #expect(conversation.answersProvisionally)
        _ = try await Self.actions(conversation, .utterance("hello"))
        conversation.heard("Sure.")
        // Asked on a pause ("i want to"), then withdrawn: the caller went on.
        _ = try await Self.actions(conversation, .utterance("i want to"))
        conversation.withdrawLastTurn()
        _ = try await Self.actions(conversation, .utterance("i want to pay my bill"))
        let third = try #require(try JSONSerialization.jsonObject(with: Data(server.requests[2].body)) as? [String: Any])
        #expect((third["messages"] as? [[String: Any]] ?? []).map { $0["content"] as? String ?? "" }
            == ["Be brief.", "hello", "Sure.", "i want to pay my bill"])
        await server.close()
    }

    @Test func aStreamWithoutDoneOrItsLastBlankLineStillEndsTheReply() async throws {
        var cut = Self.stream(["Sure, one moment please."], done: false)
        cut[cut.count - 1] = Array(String(decoding: cut[cut.count - 1], as: UTF8.self).dropLast(2).utf8)
        let chunks = cut
        let server = try await FakeVendorServer { _ in Self.sse(chunks) }
        let conversation = try await Self.agent(server).startConversation(AgentContext(callID: "c", conversationID: "v", tenantID: "t"))
        #expect(try await Self.actions(conversation, .utterance("hi")) == [.say("Sure, one moment please.")])
        await server.close()
    }

    @Test func functionCallsSplitAcrossChunksBecomeActions() async throws {
        let transfer = [
            #"{"index":0,"id":"call_1","type":"function","function":{"name":"transfer_call","arguments":""}}"#,
            #"{"index":0,"function":{"arguments":"{\"target\":\"queue:sup"}}"#,
            #"{"index":0,"function":{"arguments":"port\",\"reason\":\"billing\"}"}}"#,
        ]
        let server = try await FakeVendorServer { request in
            let text = Self.lastMessage(request)
            if text.contains("agent please") { return Self.sse(Self.stream(["Let me transfer you now."], toolCalls: transfer)) }
            if text.contains("account") {
                return Self.sse(Self.stream([], toolCalls: [
                    ##"{"index":0,"id":"call_2","type":"function","function":{"name":"collect_digits","arguments":"{\"max\":4,\"terminator\":\"#\",\"prompt\":\"Please key your PIN.\"}"}}"##,
                ]))
            }
            return Self.sse(Self.stream(["Goodbye!"], toolCalls: [#"{"index":0,"id":"call_3","function":{"name":"end_call","arguments":"{}"}}"#]))
        }
        let agent = Self.agent(server)
        let context = AgentContext(callID: "c", conversationID: "v", tenantID: "t")
        let one = try await agent.startConversation(context)
        #expect(try await Self.actions(one, .utterance("agent please")) == [.say("Let me transfer you now."), .transfer(.queue("support"))])
        let two = try await agent.startConversation(context)
        #expect(try await Self.actions(two, .utterance("my account")) == [.say("Please key your PIN."), .collectDigits(maxDigits: 4, terminator: "#")])
        // The digits come back as the next turn, after the function call and its result.
        _ = try? await Self.actions(two, .digits("1234"))
        let last = try #require(try JSONSerialization.jsonObject(with: Data(server.requests.last!.body)) as? [String: Any])
        let roles = (last["messages"] as? [[String: Any]] ?? []).map { $0["role"] as? String ?? "" }
        #expect(roles == ["system", "user", "assistant", "tool", "user"])
        let three = try await agent.startConversation(context)
        #expect(try await Self.actions(three, .utterance("bye")) == [.say("Goodbye!"), .hangup])
        await server.close()
    }

    @Test func aBadTargetIsRefusedAndTheModelIsToldWhy() {
        let call = ChatWire.ToolCall(id: "x", function: .init(name: "transfer_call", arguments: #"{"target":"pstn"}"#))
        let (actions, result) = TelephonyTools.actions(for: call)
        #expect(actions.isEmpty)
        #expect(result.hasPrefix("error:"))
        let external = ChatWire.ToolCall(id: "y", function: .init(name: "transfer_call", arguments: #"{"target":"+15551234567"}"#))
        #expect(TelephonyTools.actions(for: external).actions == [.transfer(.external(try! PhoneNumber("+15551234567")))])
        let unknown = ChatWire.ToolCall(id: "z", function: .init(name: "format_disk", arguments: "{}"))
        #expect(TelephonyTools.actions(for: unknown).actions.isEmpty)
    }

    @Test func theHistoryKeepsWhatTheCallerHeardAndIsBounded() async throws {
        let server = try await FakeVendorServer { _ in Self.sse(Self.stream(["First sentence here. Second sentence here."])) }
        let conversation = try await Self.agent(server).startConversation(AgentContext(callID: "c", conversationID: "v", tenantID: "t"))
        _ = try await Self.actions(conversation, .utterance("one"))
        conversation.heard("First sentence here.")
        conversation.heard("Second")  // a barge-in after one word
        _ = try await Self.actions(conversation, .utterance("two"))
        _ = try await Self.actions(conversation, .utterance("three"))
        let second = try #require(try JSONSerialization.jsonObject(with: Data(server.requests[1].body)) as? [String: Any])
        let messages = second["messages"] as? [[String: Any]] ?? []
        #expect(messages.map { $0["content"] as? String ?? "" } == ["Be brief.", "one", "First sentence here. Second", "two"])
        // history_turns 2: the third request keeps the last two caller turns (and nothing was heard of answer two).
        let third = try #require(try JSONSerialization.jsonObject(with: Data(server.requests[2].body)) as? [String: Any])
        #expect((third["messages"] as? [[String: Any]] ?? []).map { $0["content"] as? String ?? "" } == ["Be brief.", "two", "three"])
        await server.close()
    }

    @Test(arguments: [
        (401, ProviderError.Kind.auth), (429, .rateLimited), (500, .server), (504, .timeout), (400, .badRequest),
    ])
    func httpFailuresAreClassified(status: Int, kind: ProviderError.Kind) async throws {
        let server = try await FakeVendorServer { _ in .json(#"{"error":{"message":"no"}}"#, status: status) }
        let conversation = try await Self.agent(server).startConversation(AgentContext(callID: "c", conversationID: "v", tenantID: "t"))
        await #expect { try await Self.actions(conversation, .utterance("hi")) } throws: { ($0 as? ProviderError)?.kind == kind }
        await server.close()
    }

    @Test func brokenStreamsAreBadResponsesOrServerErrors() async throws {
        let server = try await FakeVendorServer { request in
            Self.lastMessage(request) == "garbage"
                ? Self.sse([Array("data: {not json\n\n".utf8)])
                : Self.sse([Array(#"data: {"error":{"message":"overloaded","type":"server_error"}}"#.utf8) + [10, 10]])
        }
        let conversation = try await Self.agent(server).startConversation(AgentContext(callID: "c", conversationID: "v", tenantID: "t"))
        await #expect { try await Self.actions(conversation, .utterance("garbage")) } throws: { ($0 as? ProviderError)?.kind == .badResponse }
        // The failed turn stays in the history (the caller did say it); the next one gets an answer or an error of its own.
        await #expect { try await Self.actions(conversation, .utterance("hi")) } throws: { ($0 as? ProviderError)?.kind == .server }
        await server.close()
    }
}

@Suite("Sentence splitter")
struct SentenceSplitterTests {
    @Test func cutsAtSentenceEndsOnlyOnceWhatFollowsIsKnown() {
        var splitter = SentenceSplitter()
        #expect(splitter.add("It costs 3.5 dollars, Mr. Smith") == [])
        #expect(splitter.add(".") == [])
        #expect(splitter.add(" Anything else?") == ["It costs 3.5 dollars, Mr. Smith."])
        #expect(splitter.add(" Ok.") == ["Anything else?"])
        #expect(splitter.finish() == "Ok.")
        #expect(splitter.finish() == nil)
    }

    @Test func shortSentencesJoinTheNextAndLineBreaksEndOne() {
        var splitter = SentenceSplitter()
        #expect(splitter.add("Sure. I can help with that. ") == ["Sure. I can help with that."])
        #expect(splitter.add("First line without a stop\nsecond") == ["First line without a stop"])
        #expect(splitter.add(" line, e.g. this one (\"quoted.\") next") == ["second line, e.g. this one (\"quoted.\")"])
        #expect(splitter.finish() == "next")
    }
}
