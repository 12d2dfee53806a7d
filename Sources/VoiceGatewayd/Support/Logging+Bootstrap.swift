import Foundation
import Logging

/// Sets up the process-wide log handler once (text or JSON lines on stderr).
enum LogBootstrap {
    static func configure(level: Logger.Level, json: Bool) -> Logger {
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: "voicegatewayd")
        logger.logLevel = level
        return logger
    }
}
