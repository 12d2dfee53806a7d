import Domain
import Foundation
import Logging

/// Writes each call event as one JSON line to a file, flushed per event: the embedded default when no
/// Kafka brokers are configured, and easy to `tail -f`.
///
/// The file is opened in append mode (created with its directory if missing), so a restart keeps what
/// was written before.
public actor JSONLinesEventPublisher: EventPublisher {
    private let path: String
    private let logger: Logger
    private var handle: FileHandle?
    private let encoder: JSONEncoder

    public init(path: String, logger: Logger) {
        self.path = path
        self.logger = logger
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        self.encoder = encoder
    }

    public func publish(_ event: CallEvent) async throws(ProviderError) {
        do {
            var line = try encoder.encode(event)
            line.append(0x0A)
            let handle = try openIfNeeded()
            try handle.write(contentsOf: line)
            try handle.synchronize()
        } catch let error as ProviderError {
            throw error
        } catch {
            throw ProviderError(.unavailable, provider: "jsonl", "cannot write \(path): \(error)")
        }
    }

    public func flush() async {
        try? handle?.synchronize()
    }

    /// Closes the file (a later publish reopens it).
    public func close() {
        try? handle?.close()
        handle = nil
    }

    private func openIfNeeded() throws -> FileHandle {
        if let handle { return handle }
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw ProviderError(.unavailable, provider: "jsonl", "cannot create \(path)")
            }
        }
        let opened = try FileHandle(forWritingTo: url)
        try opened.seekToEnd()
        handle = opened
        logger.info("writing call events", metadata: ["events.file": "\(path)"])
        return opened
    }
}
