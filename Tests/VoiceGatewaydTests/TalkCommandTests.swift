import Foundation
import Testing
import TestSupport

/// `voicegatewayd talk` run as a user would: the whole pipeline on WAV files, an honest exit code.
@Suite("talk command", .serialized)
struct TalkCommandTests {
    /// Runs `voicegatewayd talk --fast` on the balance fixture; returns the exit status and what it printed.
    func talk(out: String) throws -> (status: Int32, stdout: String, stderr: String) {
        let binary = try #require(ExternalBinary.packageProduct("voicegatewayd"), "voicegatewayd is not built")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        let input = DaemonHarness.root.appendingPathComponent("Tests/Fixtures/speech/balance_sentence.wav").path
        process.arguments = ["talk", "--in", input, "--out", out, "--fast"]
        process.environment = [
            "VOICEGW_AGENT_SCRIPT": DaemonHarness.root.appendingPathComponent("etc/agent.yaml").path,
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
        ]
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        ChildReaper.reap(process)
        let printed = stdout.fileHandleForReading.readDataToEndOfFile()
        let complained = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: printed, as: UTF8.self), String(decoding: complained, as: UTF8.self))
    }

    @Test func writesTheReplyAndSaysSo() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("vgw-talk-\(UUID().uuidString).wav").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let result = try talk(out: out)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("wrote \(out)"))
        let size = (try? FileManager.default.attributesOfItem(atPath: out)[.size] as? Int) ?? 0
        #expect((size ?? 0) > 44 + 16_000, "the reply WAV has \(size ?? 0) bytes")
    }

    @Test func anUnwritableOutputIsAnErrorNotASuccess() throws {
        let out = "/nonexistent-\(UUID().uuidString)/reply.wav"
        let result = try talk(out: out)
        #expect(result.status == 73, "exit \(result.status); stdout \(result.stdout)")
        #expect(!result.stdout.contains("wrote"), "\(result.stdout)")
        #expect(result.stderr.contains("cannot write --out \(out)"), "\(result.stderr)")
    }
}
