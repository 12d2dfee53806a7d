import Foundation

/// Command-line options of both processes.
struct LoadOptions {
    var calls = 100
    var seconds = 30
    var transport = "rtp"
    var warmup = 3
    var portBase = 42_000
    /// Where Swift concurrency runs in the media process: `default` (the daemon's set-up: the call's tasks
    /// prefer their session's event loop, everything else runs on the default pool) or `nio` (NIO's
    /// takeover of the global executor as well).
    var executor = "default"
    /// RTP sockets of the media process: `shared` (one per event loop) or `per_call`.
    var rtpSocket = "shared"
    /// Nice value of the media threads (the daemon's `media.threads.nice`, -10 by default).
    var nice = -10
    /// SCHED_RR priority of the media threads (the daemon's `media.threads.realtime_priority`; 0 = off).
    var realtimePriority = 0

    init(_ arguments: [String]) {
        var i = 0
        while i < arguments.count {
            let value = i + 1 < arguments.count ? arguments[i + 1] : ""
            switch arguments[i] {
            case "--calls": calls = max(1, Int(value) ?? calls); i += 1
            case "--seconds": seconds = max(1, Int(value) ?? seconds); i += 1
            case "--transport": transport = value; i += 1
            case "--warmup": warmup = max(0, Int(value) ?? warmup); i += 1
            case "--port-base": portBase = Int(value) ?? portBase; i += 1
            case "--executor": executor = value; i += 1
            case "--rtp-socket": rtpSocket = value; i += 1
            case "--nice": nice = min(19, max(-20, Int(value) ?? nice)); i += 1
            case "--realtime-priority": realtimePriority = min(99, max(0, Int(value) ?? realtimePriority)); i += 1
            default: break
            }
            i += 1
        }
        if !["rtp", "audiosocket"].contains(transport) {
            FileHandle.standardError.write(Data("unknown transport \(transport) (rtp | audiosocket)\n".utf8))
            exit(2)
        }
        if !["shared", "per_call"].contains(rtpSocket) {
            FileHandle.standardError.write(Data("unknown --rtp-socket \(rtpSocket) (shared | per_call)\n".utf8))
            exit(2)
        }
    }

    /// The options as arguments for the media process.
    var serveArguments: [String] {
        ["serve", "--calls", "\(calls)", "--transport", transport, "--port-base", "\(portBase)", "--executor", executor, "--rtp-socket", rtpSocket, "--nice", "\(nice)",
         "--realtime-priority", "\(realtimePriority)"]
    }
}
