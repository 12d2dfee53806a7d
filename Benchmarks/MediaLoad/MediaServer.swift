import Application
import CBatchIO
import Domain
import Foundation
import Logging
import Media
import Metrics
import NIOCore
import NIOPosix
import Synchronization

/// The media process: N sessions through the real media path. Inbound: decode, upsample to 16 kHz,
/// VAD on every frame. Outbound: an endless 16 kHz reply per call, converted to the wire format and
/// paced by the shared tick. Talks to the generator over stdin/stdout.
enum MediaServer {
    /// Counted across all calls.
    final class Counters: Sendable {
        let framesIn = Atomic<Int>(0)
        let speechFrames = Atomic<Int>(0)
    }

    static func run(_ options: LoadOptions) async {
        batchio_raise_fd_limit(65_536)
        var logger = Logger(label: "media-load")
        logger.logLevel = .error
        // The media threads as the daemon makes them (`media.threads`): one loop per core, niced.
        let group = MediaEventLoops.make(count: 0, nice: options.nice, realtimePriority: options.realtimePriority, logger: logger)
        let counters = Counters()
        let metrics = LoadMetrics()
        let reply = AudioFrame(samples: (0..<320).map { Int16(6000 * sin(2 * Double.pi * 440 * Double($0) / 16_000)) }, sampleRate: 16_000)
        say("BASE")
        // The generator sampled the baseline memory; for RTP it names each caller's address.
        let callers = (await readLineOffPool() ?? "").split(separator: " ").dropFirst().map(String.init)

        var sessions: [any MediaSession] = []
        var ready = "READY"
        do {
            switch options.transport {
            case "audiosocket":
                let engine = AudioSocketMediaEngine(configuration: .init(host: "127.0.0.1", port: 0), group: group,
                                                    metricsFactory: metrics, logger: logger)
                let port = try await engine.start()
                ready += " \(port)"
                for i in 0..<options.calls {
                    let uuid = String(format: "%08x-0000-4000-8000-%012x", i, i)
                    sessions.append(try engine.openSession(for: CallID("load-\(i)"), uuid: uuid, wireRate: 16_000))
                    ready += " \(uuid)"
                }
            default:
                let range = options.portBase...(options.portBase + 2 * options.calls + 200)
                let mode = RTPMediaEngine.SocketMode(rawValue: options.rtpSocket) ?? .shared
                let engine = RTPMediaEngine(configuration: .init(host: "127.0.0.1", portRange: range, socketMode: mode), group: group,
                                            metricsFactory: metrics, logger: logger)
                for i in 0..<options.calls {
                    let session = try await engine.openSession(for: CallID("load-\(i)"), transport: .rtp)
                    // What the daemon does with the ExternalMedia channel's variables.
                    let caller = i < callers.count ? callers[i].split(separator: ":") : []
                    if caller.count == 2 {
                        try await session.connect(MediaAttachment(
                            callChannel: ChannelID("call-\(i)"), mediaChannel: ChannelID("media-\(i)"), bridge: nil,
                            variables: ["UNICASTRTP_LOCAL_ADDRESS": String(caller[0]), "UNICASTRTP_LOCAL_PORT": String(caller[1])]))
                    }
                    sessions.append(session)
                    ready += " \((session as? RTPMediaSession)?.localPort ?? 0)"
                }
            }
        } catch {
            say("ERROR \(error)")
            exit(1)
        }
        for session in sessions {
            // Like the daemon's conversation: once the session is connected (AudioSocket: Asterisk's TCP
            // connection is in), the call's tasks prefer the session's event loop.
            Task {
                if session.offer.transport == .audiosocket {
                    try? await session.connect(MediaAttachment(callChannel: "call", mediaChannel: "media", bridge: nil, variables: [:]))
                }
                await withTaskExecutorPreference(session.preferredExecutor) {
                    await withDiscardingTaskGroup { group in
                        group.addTask {
                            var vad = VoiceActivityDetector()
                            for await frame in session.inbound {
                                counters.framesIn.add(1, ordering: .relaxed)
                                if vad.isSpeech(frame) { counters.speechFrames.add(1, ordering: .relaxed) }
                            }
                        }
                        group.addTask {
                            // An endless reply, pulled as the paced output makes room.
                            let stream = AudioStream(unfolding: { reply })
                            _ = try? await session.play(stream) {}
                        }
                    }
                }
            }
        }
        say(ready)
        _ = await readLineOffPool()  // STOP
        var lost = 0, late = 0
        for session in sessions {
            if let rtp = session as? RTPMediaSession {
                let stats = rtp.statistics
                lost += stats.lost
                late += stats.late
            }
        }
        let nice = await MediaEventLoops.niceValues(of: group).max() ?? 0
        let realtime = await MediaEventLoops.realtimePriorities(of: group).min() ?? 0
        say(#"STATS {"media_nice":\#(nice),"media_realtime_priority":\#(realtime),"frames_in":\#(counters.framesIn.load(ordering: .relaxed)),"speech_frames":\#(counters.speechFrames.load(ordering: .relaxed)),"# +
            #""inbound_lost":\#(lost),"inbound_late":\#(late),"# +
            #""unknown_source":\#(metrics.value("voicegw_rtp_packets_dropped_total", [("reason", "unknown_source")]))}"#)
        exit(0)
    }

    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// Reads a line of stdin on a thread of its own (never blocks the concurrency pool).
    static func readLineOffPool() async -> String? {
        await withCheckedContinuation { (continuation: CheckedContinuation<String?, Never>) in
            Thread { continuation.resume(returning: readLine()) }.start()
        }
    }
}
