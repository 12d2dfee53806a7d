// Adapter overhead of the streaming TTS adapters: the time between the vendor's first audio byte reaching
// the adapter and the first frame (a) leaving the adapter (`SynthesisProbe.onFirstFrame`) and (b) reaching
// the consumer of the `AudioStream` (what media gets). Each adapter talks to the fake vendor on loopback
// (real sockets, real HTTP), so only our own work is between the two timestamps.
// Prints a table, then one JSON object as the last line: per provider p50/p99 in microseconds.
import AdapterSupport
import Domain
import Foundation
import Logging
import Speech
import Synchronization
import TestSupport

/// Monotonic microseconds.
func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1_000 }

/// Timestamps of one synthesis.
final class Marks: Sendable {
    let state = Mutex<(firstByte: Double?, firstFrame: Double?)>((nil, nil))
    func reset() { state.withLock { $0 = (nil, nil) } }
    var probe: SynthesisProbe {
        SynthesisProbe(
            onFirstByte: { self.state.withLock { $0.firstByte = now() } },
            onFirstFrame: { self.state.withLock { $0.firstFrame = now() } })
    }
}

let iterations = Int(ProcessInfo.processInfo.environment["BENCH_ITERATIONS"] ?? "") ?? 1000
let warmup = 50
let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }

/// 1 s of 16 kHz PCM in 20 ms chunks (the shape a vendor streams).
let chunks: [[UInt8]] = (0..<50).map { c in (0..<640).flatMap { i in withUnsafeBytes(of: Int16(truncatingIfNeeded: (c * 640 + i) * 37).littleEndian) { Array($0) } } }

func adapter(_ name: String, base: String, probe: SynthesisProbe) -> any TextToSpeech {
    let http = HTTPProviderSettings(baseURL: base, apiKey: "bench-key", timeout: .seconds(10))
    switch name {
    case "openai": return OpenAITextToSpeech(configuration: .init(http: http), logger: logger, probe: probe)
    case "elevenlabs": return ElevenLabsTextToSpeech(configuration: .init(http: http, voice: "v1"), logger: logger, probe: probe)
    case "azure": return AzureTextToSpeech(configuration: .init(http: http), logger: logger, probe: probe)
    default:
        let credentials = AWSCredentials(accessKeyID: "AKID", secretAccessKey: "secret")
        return PollyTextToSpeech(configuration: .init(region: "us-east-1", credentials: credentials, endpoint: base), logger: logger, probe: probe)
    }
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
}

func rounded(_ value: Double) -> Double { (value * 10).rounded() / 10 }

var report: [String: [String: Double]] = [:]
for name in ["openai", "elevenlabs", "azure", "polly"] {
    let contentType = name == "azure" ? "audio/x-wav" : "audio/pcm"
    let server = try await FakeVendorServer { _ in FakeVendorServer.Response(contentType: contentType, chunks: chunks) }
    let marks = Marks()
    let tts = adapter(name, base: server.baseURL, probe: marks.probe)
    var inAdapter: [Double] = []
    var toConsumer: [Double] = []
    for i in 0..<(warmup + iterations) {
        marks.reset()
        var received: Double?
        for try await _ in tts.synthesize(SynthesisRequest(text: "Your balance is forty two dollars.")) where received == nil {
            received = now()
        }
        let (byte, frame) = marks.state.withLock { ($0.firstByte, $0.firstFrame) }
        guard let byte, let frame, let received else { fatalError("\(name): a synthesis produced no audio") }
        if i >= warmup {
            inAdapter.append(frame - byte)
            toConsumer.append(received - byte)
        }
    }
    await server.close()
    inAdapter.sort()
    toConsumer.sort()
    report[name] = [
        "p50_us": rounded(percentile(inAdapter, 0.5)), "p99_us": rounded(percentile(inAdapter, 0.99)),
        "to_consumer_p50_us": rounded(percentile(toConsumer, 0.5)), "to_consumer_p99_us": rounded(percentile(toConsumer, 0.99)),
    ]
    func f(_ v: Double) -> String { String(format: "%8.1f", v) }
    print(name.padding(toLength: 11, withPad: " ", startingAt: 0)
        + "first byte -> first frame out: p50 \(f(percentile(inAdapter, 0.5))) us  p99 \(f(percentile(inAdapter, 0.99))) us"
        + " | -> consumer: p50 \(f(percentile(toConsumer, 0.5))) us  p99 \(f(percentile(toConsumer, 0.99))) us")
}
let json = try JSONSerialization.data(withJSONObject: ["benchmark": "speech-overhead", "iterations": iterations, "providers": report], options: [.sortedKeys])
print(String(decoding: json, as: UTF8.self))
