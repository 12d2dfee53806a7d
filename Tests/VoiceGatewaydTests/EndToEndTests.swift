import Domain
import Foundation
import Media
import Testing
import TestSupport

@testable import VoiceGatewayd

/// Whole calls through the daemon's composition root against the fake Asterisk: ARI over HTTP and a
/// WebSocket, RTP over UDP, the embedded engines, the scripted agent, events to a JSONL file.
@Suite("End to end through the composition root", .serialized)
struct EndToEndTests {
    @Test func inboundCallGreetsUnderstandsRepliesAndCleansUp() async throws {
        let harness = try await DaemonHarness.start()
        let fake = harness.fake
        #expect(try await eventually { try await harness.get("/ready").status == 200 }, "ARI never connected")
        let speech = try CallerAudio.ulawPayloads(fixture: "balance_sentence")  // "I want to check my balance"

        let placed = ContinuousClock.now
        let callID = fake.placeCall(callerNumber: "+15550001111", extension: "100")
        var peer: FakeRTPPeer?
        #expect(await eventually { peer = fake.rtpPeer(bridgedWith: callID); return peer != nil }, "media never bridged")
        guard let peer else { try await harness.stop(); return }

        // The greeting: non-silent ulaw, every frame of it, in sequence.
        #expect(await eventually { !CallerAudio.playbacks(peer.received, events: harness.events()).isEmpty }, "no complete greeting")
        let greeting = Array(CallerAudio.playbacks(peer.received, events: harness.events())[0])
        let answerToGreeting = greeting[0].at - placed
        #expect(greeting.count > 40, "greeting of \(greeting.count) packets")
        checkSequence(greeting)
        #expect(greeting.map { CallerAudio.rms(ulaw: $0.bytes.dropFirst(12)) }.max() ?? 0 > 1000, "greeting is silent")
        #expect(greeting.allSatisfy { $0.bytes.count == 172 && $0.bytes[1] & 0x7F == 0 }, "not 160-byte ulaw PT 0")
        #expect(greeting[0].bytes[1] & 0x80 != 0, "no marker on the first packet of the talk spurt")

        // The caller speaks; the daemon must understand and answer.
        let sendStart = ContinuousClock.now
        try await peer.sendRTP(payloads: speech)
        // End of speech: the end of the last voiced payload (espeak-ng adds its own trailing silence).
        let lastVoiced = speech.lastIndex { CallerAudio.rms(ulaw: $0) > 300 } ?? speech.count - 1
        let speechEnded = sendStart + .milliseconds(20 * (lastVoiced + 1))
        #expect(await eventually(timeout: .seconds(30)) { CallerAudio.playbacks(peer.received, events: harness.events()).count >= 2 },
                "no reply audio")
        let reply = Array(CallerAudio.playbacks(peer.received, events: harness.events())[1])
        let speechToReply = reply[0].at - speechEnded
        checkSequence(reply)
        #expect(reply.map { CallerAudio.rms(ulaw: $0.bytes.dropFirst(12)) }.max() ?? 0 > 1000, "reply is silent")

        // The caller hangs up: StasisEnd ends the call; media channel and bridge are deleted.
        fake.hangupCaller(callID)
        #expect(await eventually { harness.events().contains { $0["type"] as? String == "call.ended" } }, "no call.ended")
        #expect(await eventually { fake.channels.isEmpty && fake.bridges.isEmpty }, "leaked \(fake.channels) \(fake.bridges)")
        let deletes = fake.requests.filter { $0.method == "DELETE" }.map(\.path)
        #expect(deletes.contains { $0.hasPrefix("/ari/channels/voicegw-m-") })
        #expect(deletes.contains { $0.hasPrefix("/ari/bridges/") })
        #expect(!deletes.contains("/ari/channels/\(callID)"), "the daemon hung up a caller who had already left")

        let events = harness.events()
        let types = events.map { $0["type"] as? String ?? "?" }
        // The caller starts right after the last greeting packet arrived: on a loaded machine the daemon may
        // not have seen its greeting end yet, and takes the caller's first words as a barge-in (harmless).
        #expect(types.filter { $0 != "barge_in" } == [
            "call.started", "call.answered", "tts.generated", "stt.transcribed", "llm.responded", "tts.generated", "call.ended",
        ], "\(events.map { "\($0["type"] ?? "?") \($0["data"] ?? [:])" })")
        #expect(types.filter { $0 == "barge_in" }.count <= 1)
        for line in harness.eventLines() {
            let problems = validateEvent(Data(line.utf8))
            #expect(problems.isEmpty, "\(problems): \(line)")
        }
        #expect(events.map { $0["sequence"] as? Int ?? 0 } == Array(1...events.count))
        #expect(Set(events.compactMap { $0["call_id"] as? String }).count == 1)
        let transcript = events.first { $0["type"] as? String == "stt.transcribed" }?["data"] as? [String: Any]
        #expect((transcript?["text"] as? String ?? "").contains("balance"), "transcript \(transcript ?? [:])")
        let ended = events.last?["data"] as? [String: Any]
        #expect(ended?["reason"] as? String == "caller_hangup")
        let replyText = (events.first { $0["type"] as? String == "llm.responded" }?["data"] as? [String: Any])?["text"] as? String
        #expect(replyText == "Your balance is ten dollars.")

        let metrics = try await harness.get("/metrics").body
        #expect(metrics.contains("voicegw_active_calls 0"))
        #expect(metrics.contains(#"voicegw_calls_total{direction="inbound",outcome="caller_hangup"} 1"#))
        print("e2e timings: placed->greeting audio \(answerToGreeting.millisecondsDouble) ms, end of caller speech->first reply frame \(speechToReply.millisecondsDouble) ms")
        try await harness.stop()
    }

    @Test func readinessFollowsTheARIConnection() async throws {
        let harness = try await DaemonHarness.start()
        #expect(try await eventually { try await harness.get("/ready").status == 200 })
        #expect(try await harness.get("/ready").body.contains(#""ari":"connected""#))
        #expect(try await harness.get("/health").body == #"{"status":"ok"}"#)

        // Like `core restart now`: the WebSocket drops without a close frame, connections refused until the
        // test has seen the daemon not ready (no wall-clock window to race).
        harness.fake.dropEventConnectionsUntilReleased()
        #expect(try await eventually { try await harness.get("/ready").status == 503 })
        #expect(try await harness.get("/ready").body.contains(#""ari":"disconnected""#))
        harness.fake.acceptEventConnections()
        let released = ContinuousClock.now
        #expect(try await eventually { try await harness.get("/ready").status == 200 })
        // No wall-clock bound: the backoff schedule is unit-tested without sleeping.
        print("ARI back \(ContinuousClock.now - released) after connections were accepted again")
        // The app is registered again: a call placed now is answered.
        let callID = harness.fake.placeCall()
        #expect(await eventually { harness.fake.requests.contains { $0.path == "/ari/channels/\(callID)/answer" } })
        harness.fake.hangupCaller(callID)
        #expect(await eventually { harness.fake.channels.isEmpty && harness.fake.bridges.isEmpty })
        try await harness.stop()
    }

    @Test func shutdownEndsLiveCallsAndFlushesEvents() async throws {
        let harness = try await DaemonHarness.start()
        #expect(try await eventually { try await harness.get("/ready").status == 200 })
        let callID = harness.fake.placeCall()
        #expect(await eventually { harness.fake.rtpPeer(bridgedWith: callID) != nil })
        try await harness.stop()
        let events = harness.events()
        let ended = events.last { $0["type"] as? String == "call.ended" }?["data"] as? [String: Any]
        #expect(ended?["reason"] as? String == "shutdown")
        #expect(harness.fake.requests.contains { $0.method == "DELETE" && $0.path == "/ari/channels/\(callID)" }, "caller not hung up")
        #expect(harness.fake.bridges.isEmpty)
    }

    /// An OpenAI-compatible LLM as the agent, through the composition root: the caller keys a digit, the
    /// model's streamed reply is spoken sentence by sentence, and its end_call function hangs up.
    @Test func anOpenAICompatibleAgentAnswersAndEndsTheCall() async throws {
        let llm = try await FakeVendorServer { _ in
            let events = [
                #"{"choices":[{"index":0,"delta":{"role":"assistant","content":null}}]}"#,
                #"{"choices":[{"index":0,"delta":{"content":"Thanks for calling us today."}}]}"#,
                #"{"choices":[{"index":0,"delta":{"content":" Goodbye for now!"}}]}"#,
                #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c1","type":"function","function":{"name":"end_call","arguments":"{}"}}]}}]}"#,
                "[DONE]",
            ]
            return FakeVendorServer.Response(contentType: "text/event-stream", chunks: events.map { Array("data: \($0)\n\n".utf8) })
        }
        let harness = try await DaemonHarness.start(environment: [
            "VOICEGW_AGENT_KIND": "openai", "VOICEGW_AGENT_OPENAI_BASE_URL": llm.baseURL, "VOICEGW_AGENT_OPENAI_MODEL": "test-model",
            "VOICEGW_AGENT_OPENAI_GREETING": "Hi, this is the assistant.",
        ])
        #expect(try await eventually { try await harness.get("/ready").status == 200 })
        let callID = harness.fake.placeCall()
        var peer: FakeRTPPeer?
        #expect(await eventually { peer = harness.fake.rtpPeer(bridgedWith: callID); return peer != nil }, "media never bridged")
        // The whole greeting has been played (a key pressed during it would cut it: the caller would not have heard it).
        #expect(await eventually { !CallerAudio.playbacks(peer?.received ?? [], events: harness.events()).isEmpty }, "no complete greeting")
        harness.fake.sendDTMF("5", on: callID)
        #expect(await eventually { harness.events().contains { $0["type"] as? String == "call.ended" } }, "the model's end_call did not hang up")
        let events = harness.events()
        let replies = events.filter { $0["type"] as? String == "tts.generated" }.compactMap { ($0["data"] as? [String: Any])?["characters"] as? Int }
        // The two sentences of the answer are synthesized side by side: either may be recorded first.
        #expect(replies.first == "Hi, this is the assistant.".count)
        #expect(replies.dropFirst().sorted() == ["Thanks for calling us today.".count, "Goodbye for now!".count].sorted())
        #expect((events.last?["data"] as? [String: Any])?["reason"] as? String == "gateway_hangup")
        let request = try #require(llm.requests.first)
        let body = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
        #expect(body["model"] as? String == "test-model")
        let messages = (body["messages"] as? [[String: Any]] ?? []).map { $0["content"] as? String ?? "" }
        #expect(messages.suffix(2) == ["Hi, this is the assistant.", "(the caller keyed: 5)"], "\(messages)")
        try await harness.stop()
        await llm.close()
    }

    /// Consecutive sequence numbers (nothing lost or reordered). The spacing on the wire is the pacer's,
    /// tested on an injected clock and measured by `make bench-media`, never asserted here.
    private func checkSequence(_ packets: [FakeRTPPeer.Received], sourceLocation: SourceLocation = #_sourceLocation) {
        let sequences = packets.map { UInt16($0.bytes[2]) << 8 | UInt16($0.bytes[3]) }
        #expect(zip(sequences.dropFirst(), sequences).allSatisfy { $0 == $1 &+ 1 }, "sequence gaps", sourceLocation: sourceLocation)
    }
}
