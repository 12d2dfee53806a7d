import Foundation
import Glibc

/// A real `redis-server` on a free loopback port with append-only persistence in a temporary
/// directory, so that a killed and restarted server keeps what it had acknowledged.
public final class RedisServerProcess: @unchecked Sendable {
    public let port: Int
    public let directory: URL
    private let binary: String
    private let lock = NSLock()
    private var process: Process?

    /// Starts a server, or returns nil when `redis-server` is not installed.
    /// `appendfsync`: `always` (tests: nothing acknowledged is lost on SIGKILL) or `everysec` (production-like).
    public init?(databases: Int = 64, appendfsync: String = "always") throws {
        guard let binary = ExternalBinary.onPath("redis-server") else { return nil }
        self.binary = binary
        self.port = ExternalBinary.freePort()
        self.directory = FileManager.default.temporaryDirectory.appendingPathComponent("vgw-redis-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.databases = databases
        self.appendfsync = appendfsync
        try start()
    }

    private let databases: Int
    private let appendfsync: String

    deinit {
        kill()
        try? FileManager.default.removeItem(at: directory)
    }

    /// The URL to connect to.
    public var url: String { "redis://127.0.0.1:\(port)/0" }

    /// (Re)starts the server on the same port and data directory and waits until it answers.
    public func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "--port", String(port), "--bind", "127.0.0.1", "--dir", directory.path, "--save", "",
            "--appendonly", "yes", "--appendfsync", appendfsync, "--databases", String(databases), "--daemonize", "no",
            "--protected-mode", "no", "--logfile", directory.appendingPathComponent("redis.log").path,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        ChildReaper.reap(process)
        lock.withLock { self.process = process }
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if ping() { return }
            usleep(20_000)
        }
        throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "redis-server did not start on port \(port)"])
    }

    /// SIGKILLs the server (no shutdown save) and waits for it to exit.
    public func kill() {
        guard let process = lock.withLock({ self.process }) else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        lock.withLock { self.process = nil }
    }

    /// Whether a TCP connect + PING gets `+PONG`.
    public func ping() -> Bool {
        (try? rawCommand("PING\r\n"))?.hasPrefix("+PONG") ?? false
    }

    /// Sends inline command text and returns what came back (tests use it for FLUSHDB, KEYS...).
    public func rawCommand(_ text: String) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = text.withCString { send(fd, $0, strlen($0), 0) }
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = recv(fd, &buffer, buffer.count, 0)
        guard count > 0 else { throw POSIXError(.EIO) }
        return String(decoding: buffer[0..<count], as: UTF8.self)
    }
}
