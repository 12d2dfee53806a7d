/// Settings of the durable event spool (`events.spool.*`).
public struct SpoolConfiguration: Sendable, Hashable {
    /// When appended records are forced to disk (`events.spool.fsync`).
    public enum FsyncPolicy: Sendable, Hashable, CustomStringConvertible {
        /// After every append (group-committed: one fsync covers every event waiting at that moment).
        case always
        /// At most every `interval`; a crash of the machine (not the process) may lose that window.
        case batch(interval: Duration)
        /// Left to the kernel; survives a process crash, not a power loss.
        case never

        /// Parses `always`, `batch`, `batch:<ms>` or `never`; `key` names the setting in errors.
        public init(parsing text: String, key: String = "events.spool.fsync") throws(SpoolError) {
            switch text {
            case "always": self = .always
            case "never": self = .never
            case "batch": self = .batch(interval: .milliseconds(50))
            default:
                if text.hasPrefix("batch:"), let ms = Int(text.dropFirst(6)), ms > 0 {
                    self = .batch(interval: .milliseconds(ms))
                } else {
                    throw SpoolError(.badConfiguration, "\(key): '\(text)' is not one of always, batch, batch:<ms>, never")
                }
            }
        }

        public var description: String {
            switch self {
            case .always: "always"
            case .never: "never"
            case .batch(let interval): "batch:\(interval.milliseconds)"
            }
        }
    }

    /// The spool directory (`events.spool.dir`), created if missing. One process per directory.
    public var directory: String
    /// The largest size of the spool's segment files (`events.spool.max_mib`). When full, `publish` throws.
    public var maxBytes: Int
    public var fsync: FsyncPolicy
    /// Size at which a new segment file is started (fully acknowledged segments are deleted).
    public var segmentBytes: Int

    public init(directory: String, maxBytes: Int = 256 << 20, fsync: FsyncPolicy = .batch(interval: .milliseconds(50)), segmentBytes: Int? = nil) {
        self.directory = directory
        self.maxBytes = maxBytes
        self.fsync = fsync
        self.segmentBytes = segmentBytes ?? min(64 << 20, max(64 << 10, maxBytes / 8))
    }
}

/// A failure of the spool.
public struct SpoolError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable { case full, io, badConfiguration = "bad_configuration" }
        private let base: Base
        private init(_ base: Base) { self.base = base }
        /// The spool reached `maxBytes`: the record was not accepted.
        public static let full = Code(.full)
        /// A file operation failed.
        public static let io = Code(.io)
        /// A setting is invalid.
        public static let badConfiguration = Code(.badConfiguration)
        public var description: String { base.rawValue }
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "spool \(code): \(message)" }
}
