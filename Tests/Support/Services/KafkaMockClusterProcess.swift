import Foundation
import Glibc

/// The `kafka-mock-cluster` helper (librdkafka's mock brokers over TCP on loopback) as a child process:
/// a real Kafka protocol peer that the tests can take down and bring back.
public final class KafkaMockClusterProcess: @unchecked Sendable {
    /// `host:port,...` to give the producer and consumers.
    public let bootstrapServers: String
    private let process: Process
    private let input: FileHandle
    private let output: FileHandle
    private let lock = NSLock()

    /// Starts the helper, or returns nil when it was not built (`swift build --build-tests` builds it).
    public init?(brokers: Int = 3, topic: String = "voicegw.call-events", partitions: Int = 4) throws {
        guard let binary = ExternalBinary.packageProduct("kafka-mock-cluster") else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--brokers", String(brokers), "--topic", topic, "--partitions", String(partitions)]
        let stdinPipe = Pipe()
        let stdoutPipe = Pipe()
        process.standardInput = stdinPipe
        process.standardOutput = stdoutPipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        ChildReaper.reap(process)
        self.process = process
        self.input = stdinPipe.fileHandleForWriting
        self.output = stdoutPipe.fileHandleForReading
        guard let first = Self.readLine(output), first.contains(":") else {
            process.terminate()
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "kafka-mock-cluster did not print its bootstrap servers"])
        }
        self.bootstrapServers = first
    }

    deinit {
        if process.isRunning {
            Glibc.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// Every broker disconnects its clients and refuses new connections.
    public func down() throws { try send("down") }

    /// The brokers accept connections again.
    public func up() throws { try send("up") }

    /// Stops the cluster.
    public func quit() {
        try? send("quit")
        process.waitUntilExit()
    }

    private func send(_ command: String) throws {
        try lock.withLock {
            try input.write(contentsOf: Data((command + "\n").utf8))
            guard let answer = Self.readLine(output), answer == "ok" else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "kafka-mock-cluster refused '\(command)'"])
            }
        }
    }

    private static func readLine(_ handle: FileHandle) -> String? {
        var bytes: [UInt8] = []
        while true {
            guard let chunk = try? handle.read(upToCount: 1), let byte = chunk.first else { return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self) }
            if byte == 0x0A { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(byte)
        }
    }
}
