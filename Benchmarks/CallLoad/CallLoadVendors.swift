import Foundation
import TestSupport

/// The local fake vendors of a conversation, each answering after `delay`: an OpenAI-compatible
/// transcription endpoint (one fixed sentence), chat completions streamed as server-sent events (three
/// sentences), and speech (600 ms of 24 kHz PCM per request, in six chunks).
struct CallLoadVendors {
    let stt: FakeVendorServer
    let llm: FakeVendorServer
    let tts: FakeVendorServer
    static let sentences = ["Your balance is ten dollars. ", "Your last payment arrived on time. ", "Anything else?"]

    static func start(delay: Duration) async throws -> CallLoadVendors {
        let stt = try await FakeVendorServer { _ in
            FakeVendorServer.Response(contentType: "application/json", chunks: [Array(#"{"text":"what is my balance"}"#.utf8)], delay: delay)
        }
        let llm = try await FakeVendorServer { _ in FakeVendorServer.Response(contentType: "text/event-stream", chunks: llmChunks, delay: delay) }
        let tts = try await FakeVendorServer { _ in FakeVendorServer.Response(contentType: "audio/pcm", chunks: ttsChunks, delay: delay) }
        return CallLoadVendors(stt: stt, llm: llm, tts: tts)
    }

    static let llmChunks: [[UInt8]] = {
        func event(_ content: String?) -> String {
            let text = content.map { String(decoding: try! JSONEncoder().encode($0), as: UTF8.self) } ?? "null"
            return "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\(text)},\"finish_reason\":null}]}\n\n"
        }
        return [
            Array((event(nil) + event(sentences[0])).utf8), Array(event(sentences[1]).utf8), Array((event(sentences[2]) + "data: [DONE]\n\n").utf8),
        ]
    }()

    /// 600 ms of a 24 kHz tone in six 100 ms chunks.
    static let ttsChunks: [[UInt8]] = (0..<6).map { c in
        (0..<2400).flatMap { i in withUnsafeBytes(of: Int16(6000 * sin(Double(c * 2400 + i) * 0.06)).littleEndian) { Array($0) } }
    }

    /// The daemon's settings for these vendors (`VOICEGW_*`).
    var environment: [String: String] {
        [
            "VOICEGW_STT_PROVIDERS": "openai", "VOICEGW_STT_OPENAI_BASE_URL": stt.baseURL, "VOICEGW_STT_OPENAI_API_KEY": "bench",
            "VOICEGW_TTS_PROVIDERS": "openai", "VOICEGW_TTS_OPENAI_BASE_URL": tts.baseURL, "VOICEGW_TTS_OPENAI_API_KEY": "bench",
            "VOICEGW_AGENT_KIND": "openai", "VOICEGW_AGENT_OPENAI_BASE_URL": llm.baseURL, "VOICEGW_AGENT_OPENAI_API_KEY": "bench",
            "VOICEGW_AGENT_OPENAI_GREETING": "",
        ]
    }
}
