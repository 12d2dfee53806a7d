import CMediaIO
import Glibc
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// The event loops of the media path (RTP sockets, pacing ticks, AudioSocket and chan_websocket
/// connections, and the calls' tasks that prefer them), apart from the daemon's other I/O, with their
/// threads raised in priority.
///
/// Why: a tick's packets leave in one `sendmmsg` that takes a millisecond or two for a thousand calls; when
/// the machine is busy, a thread of another process (Asterisk's, on a PBX) woken in the middle of it takes
/// the core, and the packets after that point leave milliseconds late. Measured here (bench-media, 1000
/// calls, 2 cores shared with the load generator): jitter p99 2.5-4.3 ms at the default priority, 0.7 ms at
/// nice -10, the same CPU. Asterisk itself is commonly run with `-p` (real-time) for the same reason; a nice
/// value cannot starve the rest of the machine as a real-time policy can.
public enum MediaEventLoops {
    /// A group of `count` loops (0: one per core) whose threads run at `nice` (-20...19, lower runs sooner).
    /// Going below the process's own value needs CAP_SYS_NICE or a nice limit (`RLIMIT_NICE`, systemd
    /// `LimitNICE=`); without it the threads keep the process's priority and one warning says so.
    public static func make(count: Int, nice: Int, logger: Logger) -> MultiThreadedEventLoopGroup {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: count > 0 ? count : System.coreCount)
        let warned = Mutex(false)
        for loop in group.makeIterator() {
            loop.execute {
                guard mediaio_set_thread_nice(Int32(nice)) != 0 else { return }
                let reason = String(cString: strerror(errno))
                let first = warned.withLock { already in
                    defer { already = true }
                    return !already
                }
                guard first else { return }
                logger.warning("media threads keep the default priority (nice \(nice) refused: needs CAP_SYS_NICE or LimitNICE); pacing may jitter on a busy machine",
                               metadata: ["error": "\(reason)"])
            }
        }
        return group
    }

    /// The nice value of each of `group`'s threads (what `make` achieved).
    public static func niceValues(of group: MultiThreadedEventLoopGroup) async -> [Int] {
        var values: [Int] = []
        for loop in group.makeIterator() {
            if let value = try? await loop.submit({ Int(mediaio_thread_nice()) }).get() { values.append(value) }
        }
        return values
    }
}
