// `make bench-turn`: what the gateway adds to a conversational turn. CALLS conversations (default 10)
// run side by side, each TURNS turns (default 20): the caller speaks 500 ms of voice in real time, then
// silence; the daemon's conversation pipeline (endpointing, the OpenAI-compatible STT, chat and TTS
// adapters over real HTTP on loopback, sentence splitting, synthesis ahead of playback) answers through
// fake vendors that each wait 50 ms (STT answer, LLM first token, TTS first byte); the reply is three
// streamed sentences of 600 ms audio each, played on a 20 ms cadence.
//
// Measured per turn: end of caller speech -> first reply frame (`reply_ms`), and the gateway's share
// (`gateway_ms` = that minus the configured end-of-speech silence and the three 50 ms fakes); per
// sentence boundary, the silence beyond one frame between the last frame of a sentence and the first of
// the next. Media here is in process (the socket media path has `make bench-media`). JSON last line.
//
// STT=batch (default): the OpenAI-compatible STT, one request per utterance after the daemon's endpointing
// (conversation.end_silence_ms, 600 ms). STT=stream: a fake Deepgram live stream, one per call, whose
// endpointing says speech_final 300 ms after the voice stops (then 50 ms); EARLY_MS=n also starts the agent
// on the partial text after n ms of pause (stt.early_start_ms). `wait_ms` is the silence the endpointing
// waits for; `gateway_ms` = reply - wait - the three fakes (with an early start the fakes overlap the wait,
// so it can be negative: the reply_ms figures are what the caller feels).
import Agent
import AdapterSupport
import Application
import Domain
import Foundation
import Logging
import Metrics
import Speech
import Synchronization
import TestSupport

let environment = ProcessInfo.processInfo.environment
let calls = Int(environment["CALLS"] ?? "") ?? 10
let turns = Int(environment["TURNS"] ?? "") ?? 20
let fakeDelay = 50.0
let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
let conversationConfig: ConversationConfiguration = {
    var config = ConversationConfiguration()
    config.noInputTimeout = .seconds(60)
    config.earlyStart = .milliseconds(Int64(ProcessInfo.processInfo.environment["EARLY_MS"] ?? "") ?? 0)
    return config
}()
let streaming = environment["STT"] == "stream"
let earlyMs = Int64(environment["EARLY_MS"] ?? "") ?? 0
let vendorEndpointingMs = 300.0
let endSilence = streaming ? vendorEndpointingMs : Double(conversationConfig.endSilence.milliseconds)

// MARK: Fake vendors (50 ms each)

let sentences = ["Your balance is ten dollars and forty cents. ", "Your last payment arrived on time. ", "Is there anything else I can do for you today?"]
let llmChunks: [[UInt8]] = {
    func event(_ content: String?) -> String {
        let text = content.map { String(data: try! JSONEncoder().encode($0), encoding: .utf8)! } ?? "null"
        return "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\(text)},\"finish_reason\":null}]}\n\n"
    }
    return [
        Array((event(nil) + event(sentences[0])).utf8), Array(event(sentences[1]).utf8), Array((event(sentences[2]) + "data: [DONE]\n\n").utf8),
    ]
}()
/// 600 ms of 24 kHz PCM in six 100 ms chunks, one every 50 ms after the first byte.
let ttsChunks: [[UInt8]] = (0..<6).map { c in
    (0..<2400).flatMap { i in withUnsafeBytes(of: Int16(6000 * sin(Double(c * 2400 + i) * 0.06)).littleEndian) { Array($0) } }
}
let delay = Duration.milliseconds(Int64(fakeDelay))
let stt = try await FakeVendorServer { _ in
    FakeVendorServer.Response(contentType: "application/json", chunks: [Array(#"{"text":"what is my balance"}"#.utf8)], delay: delay)
}
let llm = try await FakeVendorServer { _ in FakeVendorServer.Response(contentType: "text/event-stream", chunks: llmChunks, delay: delay) }
let tts = try await FakeVendorServer { _ in FakeVendorServer.Response(contentType: "audio/pcm", chunks: ttsChunks, delay: delay) }

/// A fake Deepgram live stream per connection: interim text after 200 ms of voice, `speech_final` 300 ms
/// after the voice stops (its endpointing), each 50 ms after the audio that brings it; a `Finalize` is
/// answered in 50 ms when words are pending.
func deepgramConnection() -> @Sendable (FakeWebSocketVendor.Handshake, FakeWebSocketVendor.Message) -> [FakeWebSocketVendor.Reply] {
    let state = Mutex((voiced: 0, silent: 0, pending: false))
    @Sendable func result(final: Bool, speechFinal: Bool) -> [FakeWebSocketVendor.Reply] {
        [.pause(delay), .text(#"{"type":"Results","is_final":\#(final),"speech_final":\#(speechFinal),"channel":{"alternatives":[{"transcript":"what is my balance","confidence":0.97}]}}"#)]
    }
    return { _, message in
        switch message {
        case .binary(let bytes):
            let voiced = bytes.contains { $0 != 0 }
            return state.withLock { s -> [FakeWebSocketVendor.Reply] in
                if voiced {
                    s.voiced += 1
                    s.silent = 0
                    if s.voiced == 10 { s.pending = true; return result(final: false, speechFinal: false) }
                    return []
                }
                s.silent += 1
                guard s.pending, s.silent == Int(vendorEndpointingMs / 20) else { return [] }
                s.pending = false
                s.voiced = 0
                return result(final: true, speechFinal: true)
            }
        case .text(#"{"type":"Finalize"}"#):
            return state.withLock { s in
                guard s.pending else { return [] }
                s.pending = false
                s.voiced = 0
                return result(final: true, speechFinal: false)
            }
        case .text:
            return [.close(code: 1000)]
        }
    }
}
let deepgram = try await FakeWebSocketVendor(connection: deepgramConnection)

func http(_ server: FakeVendorServer) -> HTTPProviderSettings { HTTPProviderSettings(baseURL: server.baseURL, apiKey: "bench", timeout: .seconds(30)) }
let speechToText: any SpeechToText = streaming
    ? DeepgramSpeechToText(configuration: .init(baseURL: deepgram.baseURL, apiKey: "bench", endpointingMs: Int(vendorEndpointingMs)), logger: logger)
    : OpenAISpeechToText(configuration: .init(http: http(stt)), logger: logger)
let textToSpeech = OpenAITextToSpeech(configuration: .init(http: http(tts)), logger: logger)
let agent = OpenAIChatAgent(configuration: .init(http: http(llm), model: "bench", greeting: ""), logger: logger)

struct NoPublisher: EventPublisher {
    func publish(_ event: CallEvent) async throws(ProviderError) {}
    func flush() async {}
}

/// One turn's figures.
struct TurnResult: Sendable {
    var replyMs: Double?
    var boundaryGapsMs: [Double]
}

/// 20 ms of a 220 Hz tone (voice to the endpointer) or silence, at 16 kHz.
func frame(_ n: Int, voiced: Bool) -> AudioFrame {
    AudioFrame(samples: (0..<320).map { voiced ? Int16(7000 * sin(2 * .pi * 220 * Double(n * 320 + $0) / 16_000)) : 0 }, sampleRate: 16_000)
}

/// One conversation: TURNS turns of the caller speaking and waiting for the three-sentence answer.
func converse(call: Int) async throws -> [TurnResult] {
    let media = PacedMediaSession()
    let clock = SystemClock()
    let recorder = CallEventRecorder(
        identity: .init(tenantID: "bench", callID: CallID("c\(call)"), conversationID: ConversationID("v\(call)"), instanceID: "bench"),
        publisher: NoPublisher(), clock: clock, logger: logger)
    let conversation = try await agent.startConversation(AgentContext(callID: CallID("c\(call)"), conversationID: ConversationID("v\(call)"), tenantID: "bench"))
    let manager = ConversationManager(
        media: media, stt: speechToText, tts: textToSpeech, agent: conversation, recorder: recorder,
        log: ConversationLog(id: ConversationID("v\(call)"), callID: CallID("c\(call)")), metrics: VoiceMetrics(factory: NOOPMetricsHandler.instance),
        configuration: conversationConfig, clock: clock, logger: logger)
    let (digits, _) = AsyncStream.makeStream(of: String.self)
    let delivering = Task { await recorder.run() }
    let running = Task { await manager.run(digits: digits) }
    // Phases spread: call n starts n * 37 ms late.
    try await Task.sleep(for: .milliseconds(37 * call))
    var results: [TurnResult] = []
    var n = 0
    var next = nowMs()
    func push(voiced: Bool) async {
        next += 20
        let wait = next - nowMs()
        if wait > 0 { try? await Task.sleep(for: .microseconds(Int64(wait * 1000))) }
        media.feed.yield(frame(n, voiced: voiced))
        n += 1
    }
    for _ in 0..<turns {
        let before = media.playbacks.withLock { $0.count }
        for _ in 0..<25 { await push(voiced: true) }
        let speechEnd = next
        // Silence until the three sentences have played (or 10 s: the turn went unanswered).
        let deadline = nowMs() + 10_000
        var done = false
        while !done && nowMs() < deadline {
            await push(voiced: false)
            done = media.playbacks.withLock { $0.count >= before + 3 && ($0.last?.count ?? 0) >= 30 }
        }
        for _ in 0..<10 { await push(voiced: false) }
        let played = media.playbacks.withLock { Array($0.dropFirst(before)) }
        var result = TurnResult(replyMs: nil, boundaryGapsMs: [])
        if done, let first = played.first?.first {
            result.replyMs = first - speechEnd
            for k in 1..<min(played.count, 3) {
                if let last = played[k - 1].last, let start = played[k].first { result.boundaryGapsMs.append(start - last - 20) }
            }
        }
        results.append(result)
    }
    media.feed.finish()
    _ = await running.value
    recorder.finish()
    await delivering.value
    return results
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
}
func round1(_ v: Double) -> Double { (v * 10).rounded() / 10 }

let cpuStart = ProcessInfo.processInfo.systemUptime
var usageStart = rusage()
getrusage(RUSAGE_SELF.rawValue, &usageStart)
let all = try await withThrowingTaskGroup(of: [TurnResult].self) { group in
    for call in 0..<calls { group.addTask { try await converse(call: call) } }
    var results: [TurnResult] = []
    for try await part in group { results += part }
    return results
}
var usageEnd = rusage()
getrusage(RUSAGE_SELF.rawValue, &usageEnd)
func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
let cpu = seconds(usageEnd.ru_utime) + seconds(usageEnd.ru_stime) - seconds(usageStart.ru_utime) - seconds(usageStart.ru_stime)
let elapsed = ProcessInfo.processInfo.systemUptime - cpuStart

let replies = all.compactMap(\.replyMs).sorted()
let gateway = replies.map { $0 - endSilence - 3 * fakeDelay }.sorted()
let gaps = all.flatMap(\.boundaryGapsMs).sorted()
let report: [String: Any] = [
    "benchmark": "turn-latency", "calls": calls, "turns": all.count, "turns_answered": replies.count,
    "stt": streaming ? "stream" : "batch", "early_start_ms": earlyMs, "wait_ms": endSilence, "fakes_ms": 3 * fakeDelay,
    "reply_ms_p50": round1(percentile(replies, 0.5)), "reply_ms_p99": round1(percentile(replies, 0.99)),
    "gateway_ms_p50": round1(percentile(gateway, 0.5)), "gateway_ms_p99": round1(percentile(gateway, 0.99)),
    "sentence_gap_ms_max": round1(gaps.last ?? 0), "sentence_gaps_over_one_frame": gaps.filter { $0 > 20 }.count,
    "cpu_cores": round1(cpu / elapsed * 100) / 100,
    "target_gateway_ms_p99": 30, "meets_target": percentile(gateway, 0.99) <= 30 && gaps.allSatisfy { $0 <= 20 } && replies.count == all.count,
]
print("turns \(all.count) answered \(replies.count) | reply p50 \(round1(percentile(replies, 0.5))) ms p99 \(round1(percentile(replies, 0.99))) ms"
    + " | gateway p50 \(round1(percentile(gateway, 0.5))) ms p99 \(round1(percentile(gateway, 0.99))) ms | worst sentence gap \(round1(gaps.last ?? 0)) ms")
await stt.close()
await llm.close()
await tts.close()
await deepgram.close()
print(String(decoding: try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys]), as: UTF8.self))
