import Foundation

/// CPU time and memory of a process, from /proc.
public enum ProcessStats {
    /// User + system CPU seconds of `pid`.
    public static func cpuSeconds(_ pid: Int32) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // Fields after the command: state(3) ... utime(14) stime(15) -> indices 11 and 12.
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return (user + system) / ticks
    }

    /// Resident memory of `pid` in KiB.
    public static func rssKiB(_ pid: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
        }
        return 0
    }
}

/// Pacing measurements: deviations of inter-arrival gaps from 20 ms, in microseconds; a frame more than
/// 10 ms off is late.
public struct PacingStats: Sendable {
    public var deviations: [Int32] = []
    public var late = 0
    public var lost = 0
    public var received = 0

    public init() {}

    public mutating func gap(_ nanoseconds: Int64) {
        let deviation = abs(nanoseconds - 20_000_000) / 1000
        deviations.append(Int32(clamping: deviation))
        if deviation > 10_000 { late += 1 }
    }

    /// p50, p99 and max of the deviations, in milliseconds.
    public func summary() -> (p50: Double, p99: Double, max: Double) {
        guard !deviations.isEmpty else { return (0, 0, 0) }
        let sorted = deviations.sorted()
        func at(_ p: Double) -> Double { Double(sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p))]) / 1000 }
        return (at(0.5), at(0.99), Double(sorted[sorted.count - 1]) / 1000)
    }
}
