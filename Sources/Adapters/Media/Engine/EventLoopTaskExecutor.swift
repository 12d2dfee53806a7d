import NIOCore
import Synchronization

/// Runs Swift tasks on one NIO event loop, as a `TaskExecutor`.
///
/// A session's frames are produced on its event loop; a consumer task that prefers this executor
/// (`Task(executorPreference:)`, `withTaskExecutorPreference`) is resumed on that same thread with one
/// enqueue per frame. NIO's global-executor takeover runs jobs as if the loop were an actor, so every
/// resumption of nonisolated code costs a second hop (`swift_task_switch` back to the generic executor);
/// a task executor is the generic executor, so it does not.
public final class EventLoopTaskExecutor: TaskExecutor, @unchecked Sendable {
    /// The loop the jobs run on.
    public let eventLoop: any EventLoop

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}

/// One task executor per event loop, created on first use.
final class EventLoopTaskExecutors: Sendable {
    private let executors = Mutex<[ObjectIdentifier: EventLoopTaskExecutor]>([:])

    /// The executor of `loop`.
    func executor(for loop: any EventLoop) -> EventLoopTaskExecutor {
        executors.withLock { executors in
            if let existing = executors[ObjectIdentifier(loop)] { return existing }
            let executor = EventLoopTaskExecutor(eventLoop: loop)
            executors[ObjectIdentifier(loop)] = executor
            return executor
        }
    }

    /// Shared by every engine: one executor per loop for the whole process.
    static let shared = EventLoopTaskExecutors()
}
