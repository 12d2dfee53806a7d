// `make bench-calls CALLS=N SECONDS=S [TRANSPORT=rtp|audiosocket]`: whole conversations under load. The
// daemon runs as its own process (release build) against the fake Asterisk of the tests on real sockets
// (RTP through ARI ExternalMedia, or AudioSocket) and local fake OpenAI-compatible STT, chat (SSE) and TTS
// servers that each answer after 50 ms. Each of N callers sends a 20 ms frame for the whole call and a
// recorded utterance every 8 s (the first 5 s in, phases spread over the 8 s); the agent answers each
// utterance with three sentences of 600 ms. Measured over S seconds after the calls are up:
// - `daemon_cpu_cores`, `millicores_per_call` (the daemon's user+system CPU), `rss_per_call_kib` (its
//   resident memory above the idle daemon's, per call), the load generator's own `loadgen_cpu_cores`;
// - `turns` (utterances that ended in the window), `turns_answered` (those whose reply's first frame came),
//   `reply_ms_p50/p99` (end of caller speech -> first reply frame), `gateway_ms_p50/p99` (that minus the
//   600 ms end-of-speech silence and the three 50 ms fakes);
// - `pacing_jitter_p99_ms` (deviation of the daemon's frame gaps from 20 ms), `late_frames` (over 10 ms off);
// - `errors` (calls never connected or ended early), `events_published` (call events the daemon wrote).
// The targets are ratios to the C relay measured in the same run on the same machine: run
// `../shared/baseline/run.sh SECONDS fir N` right before or after. JSON last line.
import Foundation
import LoadSupport
import Synchronization
import TestSupport

let environment = ProcessInfo.processInfo.environment
let calls = max(1, Int(environment["CALLS"] ?? "") ?? 100)
let seconds = max(5, Int(environment["SECONDS"] ?? "") ?? 30)
let transport = environment["TRANSPORT"] ?? "rtp"
guard ["rtp", "audiosocket"].contains(transport) else {
    FileHandle.standardError.write(Data("TRANSPORT must be rtp or audiosocket\n".utf8))
    exit(2)
}
let root = BenchAudio.root
let binary = environment["DAEMON"] ?? root.appendingPathComponent(".build/release/voicegatewayd").path
let fakeDelay = Duration.milliseconds(50)
let endSilenceMs = 600.0

// MARK: The world: vendors, fake Asterisk, the daemon.

let vendors = try await CallLoadVendors.start(delay: fakeDelay)
let fake = FakeAsterisk()
try await fake.start()
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vgw-bench-calls-\(getpid())")
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
let eventsFile = directory.appendingPathComponent("events.jsonl")
let portBase = 30_000 + Int(getpid() % 1000) * 20
var daemonEnvironment = vendors.environment.merging([
    "VOICEGW_ARI_URL": fake.url, "VOICEGW_ARI_USERNAME": fake.username, "VOICEGW_ARI_PASSWORD": fake.password, "VOICEGW_ARI_APP": fake.app,
    "VOICEGW_EVENTS_FILE": eventsFile.path, "VOICEGW_LOG_LEVEL": "warning", "VOICEGW_INSTANCE_ID": "bench",
    "VOICEGW_MEDIA_TRANSPORT": transport, "VOICEGW_MEDIA_RTP_PORT_MIN": "\(portBase)", "VOICEGW_MEDIA_RTP_PORT_MAX": "\(portBase + 15)",
    "VOICEGW_MEDIA_AUDIOSOCKET_PORT": "\(portBase + 16)",
    "VOICEGW_CONVERSATION_NO_INPUT_TIMEOUT_MS": "60000", "VOICEGW_CALLS_MAX_CONCURRENT": "0",
    "VOICEGW_ARI_REQUEST_TIMEOUT_MS": "30000", "VOICEGW_PROVIDERS_STT_TIMEOUT_MS": "30000", "VOICEGW_PROVIDERS_TTS_TIMEOUT_MS": "30000",
    "VOICEGW_CONVERSATION_AGENT_TIMEOUT_MS": "30000", "VOICEGW_CONVERSATION_STT_TIMEOUT_MS": "30000",
]) { $1 }
if let extra = environment["DAEMON_ENV"] {
    for pair in extra.split(separator: " ") {
        let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
        if parts.count == 2 { daemonEnvironment[parts[0]] = parts[1] }
    }
}
let daemon = try DaemonUnderTest(binary: binary, environment: daemonEnvironment, directory: directory, httpPort: portBase + 17)
guard await daemon.waitReady() else {
    FileHandle.standardError.write(Data("the daemon did not become ready:\n\(daemon.log.suffix(3000))\n".utf8))
    daemon.stop()
    exit(1)
}
let idleRSS = ProcessStats.rssKiB(daemon.pid)

// MARK: Calls: placed over a ramp, each connected once its media peer exists.

let lines = (0..<calls).map { index in CallerLine(firstUtterance: 250 + index * CallerLine.utteranceEvery / calls) }
let ramp = Duration.milliseconds(max(2000, calls * 5))
var channels: [String] = []
for index in 0..<calls {
    channels.append(fake.placeCall(callerNumber: "+1555\(String(format: "%07d", index))"))
    try await Task.sleep(for: ramp / calls)
}

// The ticker: one task per group of calls, on absolute 20 ms deadlines, like Asterisk's timing.
let groups = max(1, min(16, calls / 50))
let stopping = Atomic<Bool>(false)
var tickers: [Task<Void, Never>] = []
for group in 0..<groups {
    let members = stride(from: group, to: calls, by: groups).map { lines[$0] }
    tickers.append(Task.detached {
        let clock = ContinuousClock()
        var next = clock.now
        while !stopping.load(ordering: .relaxed) {
            next += .milliseconds(20)
            try? await clock.sleep(until: next)
            let now = clock.now
            for line in members { line.tick(now: now) }
        }
    })
}

let setupDeadline = ContinuousClock.now + .seconds(60)
var connected = 0
while connected < calls && ContinuousClock.now < setupDeadline {
    for (index, channel) in channels.enumerated() where !lines[index].isConnected {
        let line = lines[index]
        if transport == "rtp", let peer = fake.rtpPeer(bridgedWith: channel) {
            peer.observe { bytes, at in line.received(voiced: BenchAudio.voiced(ulaw: bytes.dropFirst(12)), at: at) }
            line.connect(.init(
                silence: { peer.send(payload: BenchAudio.silenceUlaw) }, utterance: { peer.send(payload: BenchAudio.utteranceUlaw[$0]) },
                utteranceFrames: BenchAudio.utteranceUlaw.count, lastVoicedFrame: BenchAudio.lastVoicedFrame))
            connected += 1
        } else if transport == "audiosocket", let peer = fake.audioSocketPeer(bridgedWith: channel) {
            peer.observe { kind, payload, at in
                if kind == 0x12 || kind == 0x10 { line.received(voiced: BenchAudio.voiced(slinLE: payload), at: at) }
            }
            line.connect(.init(
                silence: { peer.send(frame: BenchAudio.silenceSlin16) }, utterance: { peer.send(frame: BenchAudio.utteranceSlin16[$0]) },
                utteranceFrames: BenchAudio.utteranceSlin16.count, lastVoicedFrame: BenchAudio.lastVoicedFrame))
            connected += 1
        }
    }
    if connected < calls { try await Task.sleep(for: .milliseconds(100)) }
}

// MARK: The measured window.

func eventLines() -> Int {
    guard let data = try? Data(contentsOf: eventsFile) else { return 0 }
    return data.reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
}
func endedCalls() -> Int {
    guard let text = try? String(contentsOf: eventsFile, encoding: .utf8) else { return 0 }
    return text.split(separator: "\n").filter { $0.contains(#""type":"call.ended""#) }.count
}
try await Task.sleep(for: .seconds(2))  // the last calls' media settles
for line in lines { line.measure(true) }
let eventsBefore = eventLines()
let endedBefore = endedCalls()
let (daemonCPU0, loadCPU0, wall0) = (ProcessStats.cpuSeconds(daemon.pid), ProcessStats.cpuSeconds(getpid()), ContinuousClock.now)
try await Task.sleep(for: .seconds(seconds))
let (daemonCPU1, loadCPU1, wall1) = (ProcessStats.cpuSeconds(daemon.pid), ProcessStats.cpuSeconds(getpid()), ContinuousClock.now)
let rss = ProcessStats.rssKiB(daemon.pid)
for line in lines { line.measure(false) }
try await Task.sleep(for: .seconds(4))  // replies to the window's last turns
let eventsPublished = eventLines() - eventsBefore
let endedEarly = endedCalls() - endedBefore

stopping.store(true, ordering: .relaxed)
for ticker in tickers { await ticker.value }
daemon.stop()
await fake.stop()

// MARK: Figures.

let elapsed = wall1 - wall0
let wallSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
var pacing = PacingStats()
var turns = 0
var answered = 0
var replies: [Double] = []
var framesReceived = 0
for line in lines {
    let figures = line.figures
    pacing.deviations += figures.pacing.deviations
    pacing.late += figures.pacing.late
    turns += figures.turns
    answered += figures.answered
    replies += figures.repliesMs
    framesReceived += figures.frames
}
replies.sort()
func percentile(_ values: [Double], _ p: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    return values[min(values.count - 1, Int(Double(values.count - 1) * p))]
}
func rounded(_ value: Double) -> Double { (value * 10).rounded() / 10 }
let daemonCores = (daemonCPU1 - daemonCPU0) / wallSeconds
let overhead = endSilenceMs + 3 * 50
let summary: [String: Any] = [
    "calls": calls, "transport": transport, "seconds": seconds, "connected": connected,
    "daemon_cpu_cores": rounded(daemonCores * 1000) / 1000, "millicores_per_call": rounded(daemonCores * 1000 / Double(calls) * 100) / 100,
    "rss_per_call_kib": max(0, (rss - idleRSS) / calls), "daemon_rss_kib": rss, "daemon_idle_rss_kib": idleRSS,
    "loadgen_cpu_cores": rounded((loadCPU1 - loadCPU0) / wallSeconds * 1000) / 1000,
    "turns": turns, "turns_answered": answered,
    "reply_ms_p50": rounded(percentile(replies, 0.5)), "reply_ms_p99": rounded(percentile(replies, 0.99)),
    "gateway_ms_p50": rounded(percentile(replies, 0.5) - overhead), "gateway_ms_p99": rounded(percentile(replies, 0.99) - overhead),
    "pacing_jitter_p50_ms": pacing.summary().p50, "pacing_jitter_p99_ms": pacing.summary().p99, "late_frames": pacing.late,
    "frames_received": framesReceived, "errors": (calls - connected) + endedEarly, "events_published": eventsPublished,
]
let json = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
try? FileManager.default.removeItem(at: directory)
print(String(decoding: json, as: UTF8.self))
exit(0)
