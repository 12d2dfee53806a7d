import Application
import BargeInFixtures
import Foundation
import Testing

/// The barge-in fixture set (`make bench-barge-in` prints the same report): echoed prompts at several
/// delays and return losses, coughs and line noise, and real interruptions, through the daemon's voice
/// detector, echo guard and barge-in judge in a closed loop. Deterministic: no clock, no sockets.
@Suite("Barge-in fixtures")
struct BargeInFixtureTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/speech/phone").path

    /// Runs `work` on a thread of its own: seconds of CPU on the concurrency pool's two threads would hold
    /// up the tests running beside it (their virtual clocks wait on the wall clock for a sleeper).
    static func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try work() }) }
            thread.start()
        }
    }

    @Test func theEchoNeverInterruptsAndCallersAreHeardWithin100Milliseconds() async throws {
        let report = try await Self.onThread {
            BargeInReport(try BargeInFixtureSet(directory: Self.directory).fixtures.map { BargeInSimulator.run($0) })
        }
        #expect(report.echoFixtures == 180)
        #expect(report.interruptions >= 150)
        #expect(report.noiseFixtures >= 40)
        #expect(report.selfInterruptions == 0, "\(report.falseCuts)")
        #expect(report.caughtRatio >= 0.95, "missed: \(report.missed)")
        #expect(report.stopDelay(percentile: 0.95) <= 100)
        #expect(report.noiseHeard < report.noiseFixtures, "some noises give the prompt back at once")
    }

    @Test func withoutTheGuardTheEchoInterruptsThePrompt() async throws {
        let report = try await Self.onThread {
            let echoes = try BargeInFixtureSet(directory: Self.directory).fixtures.filter { $0.kind == .echo }
            return BargeInReport(echoes.map { BargeInSimulator.run($0, guarded: false) })
        }
        #expect(report.selfInterruptions > 10, "the fixtures carry an echo a voice detector alone takes for speech")
    }
}
