import AsyncHTTPClient
import Foundation

/// The daemon, as a separate process (its CPU and memory are measured apart from the load generator's).
final class DaemonUnderTest: @unchecked Sendable {
    let process = Process()
    let httpPort: Int
    let directory: URL

    init(binary: String, environment: [String: String], directory: URL, httpPort: Int) throws {
        self.httpPort = httpPort
        self.directory = directory
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["run"]
        var env = environment
        env["VOICEGW_HTTP_PORT"] = "\(httpPort)"
        env["PATH"] = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        process.environment = env
        let log = directory.appendingPathComponent("daemon.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }

    /// Waits until `/ready` answers 200.
    func waitReady(timeout: Duration = .seconds(60)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(httpPort)/ready"), timeout: .seconds(2)),
                response.status == .ok
            {
                return true
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
        return false
    }

    func stop() {
        guard process.isRunning else { return }
        process.interrupt()
        process.waitUntilExit()
    }

    var log: String { (try? String(contentsOf: directory.appendingPathComponent("daemon.log"), encoding: .utf8)) ?? "" }
}
