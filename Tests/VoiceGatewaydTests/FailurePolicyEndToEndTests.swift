import Foundation
import Testing
import TestSupport

@testable import VoiceGatewayd

/// The failure policy through the daemon: an agent that does not answer in time (the tenant's fallback
/// line from the lines file, `error.llm_timeout`, the call goes on) and text-to-speech down with no
/// fallback WAV configured (the line shipped in the binary, `error.tts_failed`, the call goes on).
@Suite("End to end: failure policy", .serialized)
struct FailurePolicyEndToEndTests {
    static func said(_ events: [[String: Any]], characters: Int) -> Bool {
        events.contains { $0["type"] as? String == "tts.generated" && ($0["data"] as? [String: Any])?["characters"] as? Int == characters }
    }

    @Test func anAgentThatDoesNotAnswerInTimeGetsTheTenantsFallbackLineAndTheCallGoesOn() async throws {
        // The model's answer would come after two minutes: the 2 s agent timeout fires first, whatever the load.
        let llm = try await FakeVendorServer { _ in
            FakeVendorServer.Response(contentType: "text/event-stream", chunks: [Array("data: [DONE]\n\n".utf8)], delay: .seconds(120))
        }
        let lines = FileManager.default.temporaryDirectory.appendingPathComponent("vgw-lines-\(UUID().uuidString).yaml")
        let fallback = "Sorry, our assistant is slow today."
        try "default:\n  agent_fallback: \"\(fallback)\"\n".write(to: lines, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: lines) }
        let harness = try await DaemonHarness.start(environment: [
            "VOICEGW_AGENT_KIND": "openai", "VOICEGW_AGENT_OPENAI_BASE_URL": llm.baseURL, "VOICEGW_AGENT_OPENAI_MODEL": "m",
            "VOICEGW_AGENT_OPENAI_GREETING": "Hi.", "VOICEGW_CONVERSATION_AGENT_TIMEOUT_MS": "2000", "VOICEGW_CONVERSATION_LINES_FILE": lines.path,
        ])
        let fake = harness.fake
        #expect(try await eventually { try await harness.get("/ready").status == 200 }, "ARI never connected")
        let caller = fake.placeCall()
        #expect(await eventually { Self.said(harness.events(), characters: "Hi.".count) }, "no greeting")
        fake.sendDTMF("5", on: caller)
        #expect(await eventually(timeout: .seconds(30)) { Self.said(harness.events(), characters: fallback.count) }, "no fallback line")
        let timeout = harness.events().first { $0["type"] as? String == "error.llm_timeout" }?["data"] as? [String: Any]
        #expect(timeout?["timeout_ms"] as? Int == 2000)
        #expect(!harness.events().contains { $0["type"] as? String == "call.ended" }, "the call goes on")
        fake.hangupCaller(caller)
        #expect(await eventually { (harness.events().last?["data"] as? [String: Any])?["reason"] as? String == "caller_hangup" })
        try await harness.stop()
        await llm.close()
    }

    @Test func textToSpeechDownWithNoFallbackWAVPlaysTheShippedLine() async throws {
        let harness = try await DaemonHarness.start(environment: [
            "VOICEGW_TTS_PROVIDERS": "openai", "VOICEGW_TTS_OPENAI_BASE_URL": "http://127.0.0.1:\(ExternalBinary.freePort())",
            "VOICEGW_TTS_OPENAI_API_KEY": "k", "VOICEGW_PROVIDERS_TTS_TIMEOUT_MS": "2000",
        ])
        let fake = harness.fake
        #expect(try await eventually { try await harness.get("/ready").status == 200 }, "ARI never connected")
        let caller = fake.placeCall()
        #expect(await eventually { harness.events().contains { $0["type"] as? String == "error.tts_failed" } }, "no error.tts_failed")
        // The greeting's place is taken by the shipped line: ~4 s of audible audio reaches the caller.
        let shipped = ShippedFallbackPrompt.audio
        let frames = shipped.samples.count * 50 / shipped.sampleRate
        #expect(await eventually(timeout: .seconds(30)) {
            (fake.rtpPeer(bridgedWith: caller)?.received.filter { CallerAudio.rms(ulaw: $0.bytes.dropFirst(12)) > 500 }.count ?? 0) > frames / 2
        }, "the caller did not hear the shipped line")
        let generated = harness.events().first { $0["type"] as? String == "tts.generated" }?["data"] as? [String: Any]
        #expect(generated?["provider"] as? String == "fallback_prompt")
        #expect(!harness.events().contains { $0["type"] as? String == "call.ended" }, "the call goes on")
        fake.hangupCaller(caller)
        #expect(await eventually { fake.channels.isEmpty })
        try await harness.stop()
    }

    @Test func theShippedLineDecodes() {
        let audio = ShippedFallbackPrompt.audio
        #expect(audio.sampleRate == 8000)
        #expect((3...8).contains(audio.samples.count / 8000), "a few seconds of speech")
        #expect(audio.rms > 500)
    }
}
