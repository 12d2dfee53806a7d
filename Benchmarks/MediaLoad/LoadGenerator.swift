import LoadSupport
import CBatchIO
import Foundation
import Media
import Synchronization

/// The generator process: starts the media process, plays N callers at 50 packets per second each
/// with batched system calls, measures the pacing of what comes back and the media process's CPU and
/// memory from /proc, and prints the result as the last line (JSON).
enum LoadGenerator {
    static func run(_ options: LoadOptions) {
        batchio_raise_fd_limit(65_536)
        let server = MediaProcess(arguments: options.serveArguments)
        guard server.readLine() == "BASE" else { fail("the media process did not start") }
        Thread.sleep(forTimeInterval: 0.3)
        let baseRSS = ProcessStats.rssKiB(server.pid)
        // RTP callers exist first: the media process connects each session to its caller's address.
        let rtp = options.transport == "rtp" ? RTPLoad(calls: options.calls) : nil
        server.writeLine((["GO"] + (rtp?.sources ?? [])).joined(separator: " "))
        guard let ready = server.readLine(), ready.hasPrefix("READY") else { fail("the media process did not open its sessions") }
        let fields = ready.split(separator: " ").dropFirst().map(String.init)

        let load: any CallerLoad
        if let rtp {
            rtp.destinations = fields.compactMap { UInt16($0) }
            load = rtp
        } else {
            load = AudioSocketLoad(port: Int(fields.first ?? "") ?? 0, uuids: Array(fields.dropFirst()))
        }
        load.start()

        Thread.sleep(forTimeInterval: Double(options.warmup))
        load.setMeasuring(true)
        let wallStart = batchio_monotonic_ns()
        let cpuStart = ProcessStats.cpuSeconds(server.pid)
        let ownStart = batchio_cpu_ns()
        Thread.sleep(forTimeInterval: Double(options.seconds))
        let wall = Double(batchio_monotonic_ns() - wallStart) / 1e9
        let cpu = ProcessStats.cpuSeconds(server.pid) - cpuStart
        let own = Double(batchio_cpu_ns() - ownStart) / 1e9
        let rss = ProcessStats.rssKiB(server.pid)
        load.setMeasuring(false)
        let (pacing, sent) = load.stop()

        server.writeLine("STOP")
        var serverStats: [String: Int] = [:]
        while let line = server.readLine() {
            if line.hasPrefix("STATS "), let data = line.dropFirst(6).data(using: .utf8),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Int]
            {
                serverStats = object
                break
            }
        }
        server.wait()

        let summary = pacing.summary()
        let inboundLost = serverStats["inbound_lost"] ?? 0
        let result: [(String, String)] = [
            ("calls", "\(options.calls)"), ("transport", "\"\(options.transport)\""), ("rtp_socket", "\"\(options.rtpSocket)\""),
            ("seconds", "\(options.seconds)"), ("media_nice", "\(serverStats["media_nice"] ?? 0)"),
            ("media_realtime_priority", "\(serverStats["media_realtime_priority"] ?? 0)"),
            ("daemon_cpu_cores", format(cpu / wall)), ("rss_mib", format(Double(rss) / 1024)),
            ("rss_baseline_mib", format(Double(baseRSS) / 1024)),
            ("rss_per_call_kib", format(Double(max(0, rss - baseRSS)) / Double(options.calls))),
            ("pacing_jitter_p50_ms", format(summary.p50)), ("pacing_jitter_p99_ms", format(summary.p99)),
            ("pacing_jitter_max_ms", format(summary.max)), ("late_frames", "\(pacing.late)"),
            ("lost_frames", "\(pacing.lost + inboundLost)"), ("frames_in", "\(serverStats["frames_in"] ?? 0)"),
            ("frames_out", "\(pacing.received)"), ("frames_sent", "\(sent)"),
            ("inbound_late", "\(serverStats["inbound_late"] ?? 0)"), ("unknown_source", "\(serverStats["unknown_source"] ?? 0)"), ("speech_frames", "\(serverStats["speech_frames"] ?? 0)"),
            ("generator_cpu_cores", format(own / wall)),
        ]
        print("{" + result.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}")
    }

    static func format(_ value: Double) -> String { String(format: "%.3f", value) }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("MediaLoad: \(message)\n".utf8))
        exit(1)
    }
}

/// What both transports' load players do.
protocol CallerLoad: AnyObject {
    func start()
    func setMeasuring(_ on: Bool)
    /// Stops the threads; returns the pacing of what came back during the measurement and the number of
    /// frames sent in total.
    func stop() -> (PacingStats, Int)
}

/// The media process, talked to over its stdin/stdout.
final class MediaProcess {
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private var buffer: [UInt8] = []

    init(arguments: [String]) {
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = arguments
        process.standardInput = input
        process.standardOutput = output
        do { try process.run() } catch { LoadGenerator.fail("cannot start the media process: \(error)") }
    }

    var pid: Int32 { process.processIdentifier }

    func readLine() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: 10) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeFirst(newline + 1)
                return line
            }
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { return nil }
            buffer += data
        }
    }

    func writeLine(_ line: String) {
        input.fileHandleForWriting.write(Data((line + "\n").utf8))
    }

    func wait() { process.waitUntilExit() }
}
