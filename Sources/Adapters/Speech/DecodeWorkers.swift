import CPocketSphinx
import Foundation
import Synchronization

/// The threads the embedded recogniser decodes on: a fixed number (one per core), so a burst of
/// utterances queues here instead of starving the calls' tasks and timers of the CPU (48 callers
/// finishing at once gave the old unbounded queue 48 threads). Jobs run in arrival order. The nice value
/// is the daemon's own (0) by default: a recogniser below the rest waits behind any busy process, and the
/// caller waits for it.
final class DecodeWorkers: Sendable {
    /// The workers every recogniser of the process shares.
    static let shared = DecodeWorkers(count: ProcessInfo.processInfo.activeProcessorCount, nice: 0)

    private let jobs = Mutex<[@Sendable () -> Void]>([])
    private let ready = DispatchSemaphore(value: 0)
    private let niceValues = Mutex<[Int32]>([])

    /// Starts `count` threads at `nice` (raising the nice value needs no privilege; lowering it does, and
    /// is then refused without a word: the threads keep the process's value).
    init(count: Int, nice: Int32) {
        for index in 0..<max(1, count) {
            let thread = Thread { [self] in
                _ = vgw_set_thread_nice(nice)
                niceValues.withLock { $0.append(vgw_thread_nice()) }
                while true {
                    ready.wait()
                    let job = jobs.withLock { $0.isEmpty ? nil : $0.removeFirst() }
                    job?()
                }
            }
            thread.name = "voicegw-stt-\(index)"
            thread.start()
        }
    }

    /// Runs `body` on a worker and returns its result.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            jobs.withLock { $0.append { continuation.resume(with: Result { try body() }) } }
            ready.signal()
        }
    }

    /// The nice value of each worker thread that has started.
    var threadNiceValues: [Int32] { niceValues.withLock { $0 } }
}
