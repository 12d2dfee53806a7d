import Foundation

/// A real third-party server the tests start as a child process on a free loopback port, and stop.
public final class ExternalServer: @unchecked Sendable {
    private let process: Process
    public let port: Int

    // Finding the executable and a free port: `ExternalBinary.onPath` and `ExternalBinary.freePort`.

    /// Runs `executable` with `arguments` (`{PORT}` replaced by the port) and `environment` added.
    public init(executable: String, arguments: [String], environment: [String: String] = [:], port: Int) throws {
        self.port = port
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments.map { $0.replacingOccurrences(of: "{PORT}", with: String(port)) }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        ChildReaper.reap(process)
    }

    public var isRunning: Bool { process.isRunning }

    /// Stops the server (SIGTERM, then SIGKILL after 5 s) and waits for it to exit.
    public func stop() async {
        guard process.isRunning else { return }
        process.terminate()
        for _ in 0..<50 where process.isRunning { try? await Task.sleep(for: .milliseconds(100)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// The output of a short command (`python3 -c ...`), trimmed; nil when it fails.
    public static func output(of executable: String, _ arguments: [String]) -> String? {
        let process = Process()
        let pipe = Pipe()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
