import Logging
@testable import Media
import NIOPosix
import Synchronization
import Testing

/// Keeps every message logged through it.
struct RecordingLogHandler: LogHandler {
    let record: LogRecord
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        record.messages.withLock { $0.append("\(event.message)") }
    }
}

final class LogRecord: Sendable {
    let messages = Mutex<[String]>([])
    var logger: Logger { Logger(label: "test") { _ in RecordingLogHandler(record: self) } }
}

@Suite("Media event loops: priority of their threads")
struct MediaEventLoopsTests {
    @Test func threadsRunAtTheConfiguredNiceValue() async throws {
        // Raising the nice value (lower priority) is always allowed, so this holds without privileges.
        let record = LogRecord()
        let group = MediaEventLoops.make(count: 2, nice: 7, logger: record.logger)
        #expect(await MediaEventLoops.niceValues(of: group) == [7, 7])
        #expect(await MediaEventLoops.realtimePriorities(of: group) == [0, 0], "no real-time policy unless asked for")
        #expect(record.messages.withLock { $0 }.isEmpty)
        try await group.shutdownGracefully()
    }

    @Test func realTimeIsGrantedOrRefusedWithOneWarningKeepingTheNiceValue() async throws {
        let record = LogRecord()
        let group = MediaEventLoops.make(count: 2, nice: 3, realtimePriority: 10, logger: record.logger)
        let priorities = await MediaEventLoops.realtimePriorities(of: group)
        let warnings = record.messages.withLock { $0 }.filter { $0.contains("SCHED_RR 10 refused") }
        if priorities == [10, 10] {
            #expect(warnings.isEmpty)
        } else {
            // No CAP_SYS_NICE/RLIMIT_RTPRIO here (or no real-time budget in this cgroup).
            #expect(priorities == [0, 0])
            #expect(warnings.count == 1, "one warning for the group, not one per thread")
            #expect(await MediaEventLoops.niceValues(of: group) == [3, 3], "the nice value still applies")
        }
        try await group.shutdownGracefully()
    }
}
