import Logging
import Synchronization

/// The process's log level, changed at run time (SIGHUP reloads `log.level`).
final class SharedLogLevel: Sendable {
    private let level: Mutex<Logger.Level>

    init(_ level: Logger.Level) {
        self.level = Mutex(level)
    }

    var value: Logger.Level {
        get { level.withLock { $0 } }
        set { level.withLock { $0 = newValue } }
    }
}

/// Wraps a log handler so that its level is the shared one, unless a logger sets its own: every logger
/// made before a reload follows the new `log.level`.
struct LevelFollowingLogHandler: LogHandler {
    private var inner: any LogHandler
    private let shared: SharedLogLevel
    private var own: Logger.Level?

    init(_ inner: any LogHandler, level shared: SharedLogLevel) {
        var inner = inner
        inner.logLevel = .trace  // this wrapper decides
        self.inner = inner
        self.shared = shared
    }

    var logLevel: Logger.Level {
        get { own ?? shared.value }
        set { own = newValue }
    }

    var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        inner.log(event: event)
    }
}
