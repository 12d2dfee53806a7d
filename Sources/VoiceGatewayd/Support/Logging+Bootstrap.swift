import Foundation
import Logging

/// Sets up the process-wide log handler once (text or JSON lines on stderr).
enum LogBootstrap {
    /// The level every logger follows; SIGHUP sets it from the reloaded `log.level`.
    static let level = SharedLogLevel(.info)

    static func configure(level: Logger.Level, json: Bool) -> Logger {
        Self.level.value = level
        LoggingSystem.bootstrap { label in
            let handler: any LogHandler = json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            return LevelFollowingLogHandler(handler, level: Self.level)
        }
        return Logger(label: "voicegatewayd")
    }
}
