import Foundation
import Media
import Testing
import TestSupport

/// Barge-in against the fake Asterisk over real RTP, with a caller whose line echoes the daemon's voice
/// back (every packet the daemon sends comes back at once, 10 dB down, as a hybrid's echo does).
@Suite("Barge-in end to end")
struct BargeInEndToEndTests {
    static let reprompt = "Sorry, I didn't catch that."

    /// Sends back what the caller hears, `lossDB` weaker.
    static func echo(lossDB: Double) -> @Sendable ([UInt8]) -> [UInt8] {
        let gain = pow(10, -lossDB / 20)
        return { payload in payload.map { G711.ulawEncode(Int16((Double(G711.ulawDecode($0)) * gain).rounded())) } }
    }

    static func counter(_ name: String, _ harness: DaemonHarness) async throws -> Int? {
        let metrics = try await harness.get("/metrics").body
        let line = metrics.split(separator: "\n").first { $0.hasPrefix(name + " ") }
        return line.flatMap { Int($0.split(separator: " ").last ?? "") }
    }

    static func heldPrompts(_ harness: DaemonHarness) async throws -> Int? {
        try await counter("voicegw_prompts_held_total", harness)
    }

    /// The daemon's reprompt (no input for 1 s after the greeting) was synthesized.
    static func reprompted(_ harness: DaemonHarness) -> Bool {
        harness.events().contains { $0["type"] as? String == "tts.generated" && ($0["data"] as? [String: Any])?["characters"] as? Int == reprompt.count }
    }

    /// A call whose caller's line echoes the daemon 10 dB down; the daemon asks again after 1 s of no input.
    static func echoingCall(_ environment: [String: String] = [:]) async throws -> (DaemonHarness, FakeRTPPeer) {
        let harness = try await DaemonHarness.start(
            environment: ["VOICEGW_CONVERSATION_NO_INPUT_TIMEOUT_MS": "1000"].merging(environment) { $1 })
        #expect(try await eventually { try await harness.get("/ready").status == 200 })
        let callID = harness.fake.placeCall()
        var peer: FakeRTPPeer?
        #expect(await eventually { peer = harness.fake.rtpPeer(bridgedWith: callID); return peer != nil }, "media never bridged")
        let caller = try #require(peer)
        caller.echo(echo(lossDB: 10))
        return (harness, caller)
    }

    @Test func theEchoOfThePromptNeitherCutsItNorIsHeardAsTheCallerAndTheCallerStillIs() async throws {
        let (harness, caller) = try await Self.echoingCall()
        // The greeting plays whole and its echo is no input: the daemon asks again after the greeting.
        #expect(await eventually(timeout: .seconds(60)) { Self.reprompted(harness) }, "the echo was taken for the caller")
        let types = harness.events().compactMap { $0["type"] as? String }
        #expect(!types.contains("barge_in"), "\(types)")
        // The echo never cut a prompt. (What it may still do on an overloaded machine, where the daemon takes
        // its frames more than the guard's 500 ms window after they were played, is become an utterance of
        // its own after the prompt: docs/call-control.md. Such a machine is not asserted on here.)
        // Where the echo got through for a moment it held the prompt, which then played on (no cut).
        var held = -1
        let givenBack = await eventually(timeout: .seconds(60)) {
            let holds = (try? await Self.heldPrompts(harness)) ?? -1
            let resumes = (try? await Self.counter("voicegw_prompts_resumed_total", harness)) ?? -2
            held = holds
            return holds >= 0 && resumes == holds
        }
        #expect(givenBack, "a held prompt was not given back")
        #expect(try await Self.counter("voicegw_barge_ins_total", harness) == 0)
        // The caller talks over the next prompt: heard, and the prompt cut. (The fake sends one stream: the
        // echo stops while the caller talks.)
        #expect(await eventually(timeout: .seconds(60)) {
            harness.events().filter { $0["type"] as? String == "tts.generated" }.count >= 2
        })
        caller.echo(nil)
        try await caller.sendRTP(payloads: try CallerAudio.ulawPayloads(fixture: "balance_sentence"))
        #expect(await eventually(timeout: .seconds(60)) {
            harness.events().contains { $0["type"] as? String == "stt.transcribed" && (($0["data"] as? [String: Any])?["text"] as? String)?.isEmpty == false }
        })
        #expect(try await (Self.heldPrompts(harness) ?? 0) > held)
        try await harness.stop()
    }

    @Test func withoutTheGuardTheSameEchoHoldsThePrompt() async throws {
        let (harness, _) = try await Self.echoingCall(["VOICEGW_CONVERSATION_ECHO_GUARD": "false"])
        #expect(await eventually(timeout: .seconds(60)) { (try? await Self.heldPrompts(harness) ?? 0) ?? 0 >= 1 }, "the fixture's echo is loud enough to fool a voice detector")
        try await harness.stop()
    }
}
