import Foundation

/// Makes sure a server the tests start never outlives the test process, however that process ends
/// (a crash or a `kill -9` included, where no `deinit` or `atexit` runs).
///
/// A small `sh` watchdog polls both the test process and the child every half second and SIGKILLs the
/// child once the test process is gone; it exits by itself when the child exits first. (`PR_SET_PDEATHSIG`
/// does not fit: it fires when the *thread* that spawned the child exits, and Foundation spawns from pool
/// threads that come and go mid-suite.)
public enum ChildReaper {
    /// Starts a watchdog for `child`; call it right after the child was started.
    public static func reap(_ child: Process) {
        let watcher = Process()
        watcher.executableURL = URL(fileURLWithPath: "/bin/sh")
        let parent = ProcessInfo.processInfo.processIdentifier
        let pid = child.processIdentifier
        watcher.arguments = [
            "-c",
            "while kill -0 \(parent) 2>/dev/null && kill -0 \(pid) 2>/dev/null; do sleep 0.5; done; kill -0 \(parent) 2>/dev/null || kill -9 \(pid) 2>/dev/null; exit 0",
        ]
        watcher.standardInput = FileHandle.nullDevice
        watcher.standardOutput = FileHandle.nullDevice
        watcher.standardError = FileHandle.nullDevice
        try? watcher.run()
    }
}
