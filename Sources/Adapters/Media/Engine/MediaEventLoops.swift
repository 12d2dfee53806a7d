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
/// nice -10, 0.5 ms under SCHED_RR, the same CPU. Asterisk itself is commonly run with `-p` (real-time) for
/// the same reason. A nice value cannot starve the rest of the machine; a real-time policy can (an
/// overloaded media path would hold up ARI, Redis and Kafka I/O up to the kernel's real-time throttling,
/// 95% of each core by default), so it is opt-in.
public enum MediaEventLoops {
    /// A group of `count` loops (0: one per core) whose threads run at `nice` (-20...19, lower runs sooner)
    /// and, when `realtimePriority` is 1...99, under SCHED_RR at that priority.
    ///
    /// Going below the process's own nice value needs CAP_SYS_NICE or a nice limit (`RLIMIT_NICE`, systemd
    /// `LimitNICE=`); a real-time policy needs CAP_SYS_NICE or `RLIMIT_RTPRIO` (systemd `LimitRTPRIO=`).
    /// Without them the threads keep what they could get (the nice value still applies when only the
    /// real-time policy is refused) and one warning says so.
    public static func make(count: Int, nice: Int, realtimePriority: Int = 0, logger: Logger) -> MultiThreadedEventLoopGroup {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: count > 0 ? count : System.coreCount)
        let warnedNice = Once()
        let warnedRealtime = Once()
        for loop in group.makeIterator() {
            loop.execute {
                if mediaio_set_thread_nice(Int32(nice)) != 0 {
                    warnOnce(warnedNice, errno, logger, "media threads keep the default priority (nice \(nice) refused: needs CAP_SYS_NICE or LimitNICE); pacing may jitter on a busy machine")
                }
                if realtimePriority > 0, mediaio_set_thread_realtime(Int32(realtimePriority)) != 0 {
                    warnOnce(warnedRealtime, errno, logger, "media threads are not real-time (SCHED_RR \(realtimePriority) refused: needs CAP_SYS_NICE or LimitRTPRIO); they run at nice \(nice)")
                }
            }
        }
        return group
    }

    /// True for the first caller only (one warning for a group of threads).
    private final class Once: Sendable {
        private let done = Atomic(false)
        var first: Bool { !done.exchange(true, ordering: .relaxed) }
    }

    /// Logs `message` with the system error `code` the first time only.
    private static func warnOnce(_ once: Once, _ code: Int32, _ logger: Logger, _ message: String) {
        if once.first { logger.warning("\(message)", metadata: ["error": "\(String(cString: strerror(code)))"]) }
    }

    /// The nice value of each of `group`'s threads (what `make` achieved).
    public static func niceValues(of group: MultiThreadedEventLoopGroup) async -> [Int] {
        await perThread(of: group) { Int(mediaio_thread_nice()) }
    }

    /// The SCHED_RR priority of each of `group`'s threads (0: not real-time).
    public static func realtimePriorities(of group: MultiThreadedEventLoopGroup) async -> [Int] {
        await perThread(of: group) { Int(mediaio_thread_realtime_priority()) }
    }

    private static func perThread(of group: MultiThreadedEventLoopGroup, _ read: @escaping @Sendable () -> Int) async -> [Int] {
        var values: [Int] = []
        for loop in group.makeIterator() {
            if let value = try? await loop.submit(read).get() { values.append(value) }
        }
        return values
    }
}
