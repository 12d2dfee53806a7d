import Foundation
import Testing
import TestSupport

/// Agents chosen per tenant, end to end through the composition root and the fake Asterisk: a tenant
/// whose `agent:` is the orchestrator while the daemon's own agent is the script.
@Suite("Agent kinds end to end", .serialized)
struct AgentKindsEndToEndTests {
    static let greeting = "Welcome to Globex. Our offices are open from nine to five on weekdays. How can I help you today?"

    /// The fake orchestrator: a conversation with a long greeting, then every turn answered with a short
    /// line and a transfer to the support queue (streamed as server-sent events).
    static func orchestrator() async throws -> FakeVendorServer {
        try await FakeVendorServer { request in
            if request.path == "/api/v1/conversations" {
                let body = #"{"id":"globex-conv","greeting":"\#(greeting)","expected_phrases":["I want to check my balance","balance"]}"#
                return FakeVendorServer.Response(status: 201, contentType: "application/json", chunks: [Array(body.utf8)])
            }
            let events = [
                "event: text\ndata: {\"text\": \"Let me connect you \"}\n\n",
                "event: text\ndata: {\"text\": \"with our support team.\"}\n\n",
                "event: action\ndata: {\"type\": \"transfer\", \"target\": \"queue:support\", \"reason\": \"balance question\"}\n\n",
                "event: done\ndata: {}\n\n",
            ]
            return FakeVendorServer.Response(contentType: "text/event-stream", chunks: events.map { Array($0.utf8) })
        }
    }

    @Test func aTenantsOrchestratorIsInterruptedMidSentenceHearsWhatWasPlayedAndTransfers() async throws {
        let orchestrator = try await Self.orchestrator()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vgw-tenants-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let tenants = directory.appendingPathComponent("tenants.yaml")
        try """
            default_tenant: default
            tenants:
              - id: default
                dids: ["100"]
              - id: globex
                dids: ["200"]
                agent_id: globex-bot
                agent: {kind: orchestrator, base_url: "\(orchestrator.baseURL)", api_key: globex-token}
            """.write(to: tenants, atomically: true, encoding: .utf8)
        let harness = try await DaemonHarness.start(environment: ["VOICEGW_TENANTS_FILE": tenants.path])
        #expect(try await eventually { try await harness.get("/ready").status == 200 })

        let callID = harness.fake.placeCall(extension: "200")
        var peer: FakeRTPPeer?
        #expect(await eventually { peer = harness.fake.rtpPeer(bridgedWith: callID); return peer != nil }, "media never bridged")
        let caller = try #require(peer)
        // The caller speaks once the greeting is under way (1.5 s in: past the echo guard's first second, in
        // which only a caller louder than the prompt is heard): it is cut mid-sentence.
        #expect(await eventually { caller.received.count > 75 }, "no greeting")
        try await caller.sendRTP(payloads: try CallerAudio.ulawPayloads(fixture: "balance_sentence"))
        #expect(await eventually(timeout: .seconds(60)) { !harness.fake.transfers.isEmpty }, "the orchestrator's transfer was not done")

        let types = harness.events().compactMap { $0["type"] as? String }
        #expect(types.contains("barge_in"))
        #expect(types.contains("stt.transcribed"))
        // The orchestrator was asked for this tenant's agent with this tenant's token, and told what the
        // caller heard of the greeting: the words played before the barge-in, not all of it.
        let created = try #require(orchestrator.requests.first { $0.path == "/api/v1/conversations" })
        #expect(created.header("Authorization") == "Bearer globex-token")
        let conversation = try #require(try JSONSerialization.jsonObject(with: Data(created.body)) as? [String: Any])
        #expect(conversation["agent_id"] as? String == "globex-bot" && conversation["tenant_id"] as? String == "globex")
        let turn = try #require(orchestrator.requests.first { $0.path.hasSuffix("/turns") })
        let body = try #require(try JSONSerialization.jsonObject(with: Data(turn.body)) as? [String: Any])
        let heard = try #require(body["heard"] as? String)
        #expect(!heard.isEmpty && heard.count < Self.greeting.count && Self.greeting.hasPrefix(String(heard.prefix(7))), "heard: \(heard)")
        #expect((body["input"] as? [String: Any])?["type"] as? String == "utterance")
        try await harness.stop()
        await orchestrator.close()
    }

    /// The daemon's agent is a speech-to-speech model (the OpenAI Realtime fake): its greeting plays on the
    /// G.711 line, the caller talks over it (the playback is cut and the model told how much was heard),
    /// and the model's transfer_call moves the caller on.
    @Test func aRealtimeModelIsInterruptedMidSentenceAndTransfers() async throws {
        let model = try await FakeRealtimeServer(
            apiKey: "rt-key", callerSaid: ["I need a person"],
            responses: [
                .speech("Hello, thanks for calling. We are here to help with bills, payments and anything else.", duration: .seconds(4)),
                .functionCall(name: "transfer_call", arguments: #"{"target":"queue:support","reason":"wants a person"}"#, callID: "call_9"),
            ])
        let harness = try await DaemonHarness.start(environment: [
            "VOICEGW_AGENT_KIND": "realtime", "VOICEGW_AGENT_REALTIME_URL": model.url, "VOICEGW_AGENT_REALTIME_API_KEY": "rt-key",
            "VOICEGW_AGENT_REALTIME_GREETING": "Hello, thanks for calling.", "VOICEGW_AGENT_REALTIME_TIMEOUT_MS": "30000",
        ])
        #expect(try await eventually { try await harness.get("/ready").status == 200 })
        let callID = harness.fake.placeCall()
        var peer: FakeRTPPeer?
        #expect(await eventually { peer = harness.fake.rtpPeer(bridgedWith: callID); return peer != nil }, "media never bridged")
        let caller = try #require(peer)
        #expect(await eventually { caller.received.count > 25 }, "no greeting")
        // The model may transfer before the trailing silence is sent: the media then closes under the caller.
        let speech = try CallerAudio.ulawPayloads(fixture: "balance_sentence")
        try? await caller.sendRTP(payloads: speech)
        #expect(await eventually(timeout: .seconds(60)) { !harness.fake.transfers.isEmpty }, "the model's transfer was not done")

        // G.711 both ways, the greeting asked for, the caller's audio streamed as mu-law.
        let update = try #require(model.events("session.update").first?["session"] as? [String: Any])
        let audio = try #require(update["audio"] as? [String: Any])
        #expect(((audio["input"] as? [String: Any])?["format"] as? [String: Any])?["type"] as? String == "audio/pcmu")
        #expect(model.appendedBytes.reduce(0, +) > 8000, "less than a second of caller audio reached the model")
        // Cut mid-greeting: the model is told how much of its 4 s answer the caller heard.
        let truncate = try #require(model.events("conversation.item.truncate").first)
        let heardMs = try #require(truncate["audio_end_ms"] as? Int)
        #expect(heardMs > 0 && heardMs < 4000, "audio_end_ms \(heardMs)")
        let events = harness.events()
        let types = events.compactMap { $0["type"] as? String }
        #expect(types.contains("barge_in"))
        let transcribed = events.first { $0["type"] as? String == "stt.transcribed" }?["data"] as? [String: Any]
        #expect(transcribed?["text"] as? String == "I need a person" && transcribed?["provider"] as? String == "realtime")
        #expect(types.contains("llm.responded"))
        #expect(await eventually { harness.events().contains { $0["type"] as? String == "call.ended" } })
        let ended = harness.events().last { $0["type"] as? String == "call.ended" }?["data"] as? [String: Any]
        #expect(ended?["reason"] as? String == "transferred")
        #expect(model.problems == [])
        try await harness.stop()
        await model.close()
    }

    /// The daemon's agent is an OpenAI-compatible model: its greeting is cut mid-sentence by the caller, the
    /// history it is sent keeps only the part of the greeting that was played, and its transfer_call moves
    /// the caller on.
    @Test func anOpenAIModelIsInterruptedMidSentenceAndTransfers() async throws {
        let llm = try await FakeVendorServer { _ in
            let events = [
                #"{"choices":[{"index":0,"delta":{"role":"assistant","content":null}}]}"#,
                #"{"choices":[{"index":0,"delta":{"content":"Connecting you to a person now."}}]}"#,
                ##"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c1","type":"function","function":{"name":"transfer_call","arguments":"{\"target\":\"queue:support\"}"}}]}}]}"##,
                "[DONE]",
            ]
            return FakeVendorServer.Response(contentType: "text/event-stream", chunks: events.map { Array("data: \($0)\n\n".utf8) })
        }
        let harness = try await DaemonHarness.start(environment: [
            "VOICEGW_AGENT_KIND": "openai", "VOICEGW_AGENT_OPENAI_BASE_URL": llm.baseURL, "VOICEGW_AGENT_OPENAI_MODEL": "test-model",
            "VOICEGW_AGENT_OPENAI_GREETING": Self.greeting,
        ])
        #expect(try await eventually { try await harness.get("/ready").status == 200 })
        let callID = harness.fake.placeCall()
        var peer: FakeRTPPeer?
        #expect(await eventually { peer = harness.fake.rtpPeer(bridgedWith: callID); return peer != nil }, "media never bridged")
        let caller = try #require(peer)
        // 1.5 s in: past the echo guard's first second (see the orchestrator test).
        #expect(await eventually { caller.received.count > 75 }, "no greeting")
        try? await caller.sendRTP(payloads: try CallerAudio.ulawPayloads(fixture: "balance_sentence"))
        #expect(await eventually { harness.events().contains { $0["type"] as? String == "barge_in" } }, "no barge-in")
        // What the caller said may or may not be understood by the embedded recogniser: a key makes the turn.
        if harness.fake.transfers.isEmpty { harness.fake.sendDTMF("0", on: callID) }
        #expect(await eventually(timeout: .seconds(60)) { !harness.fake.transfers.isEmpty }, "the model's transfer was not done")

        let request = try #require(llm.requests.first)
        let body = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
        let messages = try #require(body["messages"] as? [[String: Any]])
        let heard = try #require(messages.first { $0["role"] as? String == "assistant" }?["content"] as? String)
        #expect(!heard.isEmpty && heard.count < Self.greeting.count && Self.greeting.hasPrefix(String(heard.prefix(7))), "heard: \(heard)")
        #expect(await eventually { harness.events().contains { $0["type"] as? String == "call.ended" } })
        let ended = harness.events().last { $0["type"] as? String == "call.ended" }?["data"] as? [String: Any]
        #expect(ended?["reason"] as? String == "transferred")
        try await harness.stop()
        await llm.close()
    }
}
