import Foundation
import Glibc

/// Finds the programs the integration tests start: system tools on `PATH` and the package's own
/// helper executables next to the test bundle.
public enum ExternalBinary {
    /// The absolute path of `name` on `PATH` (plus /usr/sbin and /usr/local/bin), or nil.
    public static func onPath(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/sbin", "/usr/local/bin"]
        for directory in directories {
            let candidate = directory + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// A helper executable of this package (`kafka-mock-cluster`): looked up next to the running test
    /// binary, then in the package's `.build/{debug,release}`.
    public static func packageProduct(_ name: String, filePath: String = #filePath) -> String? {
        var candidates: [String] = []
        let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = me.deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(directory.appendingPathComponent(name).path)
            directory = directory.deletingLastPathComponent()
        }
        let root = packageRoot(filePath: filePath)
        candidates += ["debug", "release"].map { root.appendingPathComponent(".build/\($0)/\(name)").path }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The package root (two levels above `Tests/Support/...`).
    public static func packageRoot(filePath: String = #filePath) -> URL {
        var url = URL(fileURLWithPath: filePath)
        while url.path != "/" {
            url = url.deletingLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }

    /// A TCP port that was free a moment ago on 127.0.0.1.
    public static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
