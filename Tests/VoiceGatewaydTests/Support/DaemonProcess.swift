import AsyncHTTPClient
import Foundation
import Glibc
import TestSupport

/// The built `voicegatewayd` binary run as a separate process (so that it can be killed with SIGKILL
/// mid-call), configured through `VOICEGW_*` variables, working in a temporary directory, its log in
/// `daemon.log` there.
final class DaemonProcess: @unchecked Sendable {
    let environment: [String: String]
    let directory: URL
    let httpPort: Int
    /// The command line after the binary (`run`, and `--config FILE` where a test reloads one).
    let arguments: [String]
    private var process: Process?

    init(environment: [String: String], directory: URL, arguments: [String] = ["run"]) {
        self.directory = directory
        self.arguments = arguments
        self.httpPort = ExternalBinary.freePort()
        var environment = environment
        environment["VOICEGW_HTTP_PORT"] = "\(httpPort)"
        environment["PATH"] = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        environment["HOME"] = directory.path
        self.environment = environment
    }

    deinit { process?.terminate() }

    /// Starts the daemon (again) and returns once `/ready` answers 200, or throws.
    func start(timeout: Duration = .seconds(30)) async throws {
        guard let binary = ExternalBinary.packageProduct("voicegatewayd") else {
            throw HarnessError("the voicegatewayd binary is not built (swift build --build-tests builds it)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.environment = environment
        process.currentDirectoryURL = directory
        let log = directory.appendingPathComponent("daemon.log")
        if !FileManager.default.fileExists(atPath: log.path) { FileManager.default.createFile(atPath: log.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: log)
        try handle.seekToEnd()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        ChildReaper.reap(process)
        self.process = process
        let ready = await eventually(timeout: timeout) { (try? await self.get("/ready").status) == 200 }
        guard ready else { throw HarnessError("the daemon did not become ready; log:\n\(self.log.suffix(3000))") }
    }

    /// SIGKILL: no shutdown, no cleanup, as in a crash.
    func kill9() {
        guard let process else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    /// SIGTERM and wait (graceful shutdown).
    func stop() {
        guard let process else { return }
        process.terminate()
        process.waitUntilExit()
        self.process = nil
    }

    /// Sends `signal` (SIGTERM, SIGINT) without waiting.
    func send(_ signal: Int32) {
        guard let process else { return }
        Glibc.kill(process.processIdentifier, signal)
    }

    /// Waits up to `timeout` for the process to exit; its exit status, or nil if it is still running.
    func waitForExit(timeout: Duration) async -> Int32? {
        guard let process else { return nil }
        guard await eventually(timeout: timeout, { !process.isRunning }) else { return nil }
        process.waitUntilExit()
        self.process = nil
        return process.terminationReason == .exit ? process.terminationStatus : -process.terminationStatus
    }

    /// GET on the management API.
    func get(_ path: String) async throws -> (status: UInt, body: String) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(httpPort)\(path)"), timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (response.status.code, String(buffer: body))
    }

    /// What the daemon logged.
    var log: String { (try? String(contentsOf: directory.appendingPathComponent("daemon.log"), encoding: .utf8)) ?? "" }
}
