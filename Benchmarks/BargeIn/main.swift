import Application
import BargeInFixtures
import Foundation

// Barge-in fixture results: self-interruptions on echoed prompts, cuts by noise, real interruptions caught,
// and how long after the caller's first voiced frame playback stopped. Deterministic (no clock, no
// sockets): the daemon's voice detector, echo guard and barge-in judge in a closed loop with the echo.
// `GUARD=0` runs without the echo guard (the voice detector alone), for comparison.
let directory = ProcessInfo.processInfo.environment["FIXTURES"] ?? "Tests/Fixtures/speech/phone"
let guarded = ProcessInfo.processInfo.environment["GUARD"] != "0"
let environment = ProcessInfo.processInfo.environment
var judge = BargeInJudge.Configuration()
// `MIN_SPEECH_MS` and `ONSET_MS` try other judge settings.
if let ms = environment["MIN_SPEECH_MS"].flatMap(Int.init) { judge.minimumSpeech = .milliseconds(ms) }
if let ms = environment["ONSET_MS"].flatMap(Int.init) { judge.onsetDuration = .milliseconds(ms) }
// `MARGIN_DB`, `DEVIATIONS`, `LEARNING_FRAMES`, `SMOOTHING`, `FALL` and `JITTER` try other echo guard settings.
var echoGuard = EchoGuard.Configuration()
if let db = environment["MARGIN_DB"].flatMap(Double.init) { echoGuard.marginDB = db }
if let n = environment["DEVIATIONS"].flatMap(Double.init) { echoGuard.deviations = n }
if let n = environment["LEARNING_FRAMES"].flatMap(Int.init) { echoGuard.learningFrames = n }
if let a = environment["SMOOTHING"].flatMap(Double.init) { echoGuard.smoothing = a }
if let f = environment["FALL"].flatMap(Double.init) { echoGuard.fallFraction = f }
if let j = environment["JITTER"].flatMap(Int.init) { echoGuard.jitterFrames = j }
let set = try BargeInFixtureSet(directory: directory)
// `TRACE=<part of a fixture's name>` prints that fixture frame by frame.
if let traced = ProcessInfo.processInfo.environment["TRACE"], let fixture = set.fixtures.first(where: { $0.name.contains(traced) }) {
    print(fixture.name, "onset frame", fixture.speechOnsetFrame.map(String.init) ?? "-")
    let outcome = BargeInSimulator.run(fixture, judge: judge, echoGuard: echoGuard, guarded: guarded) { frame, level, voiced, verdict, echoGuard in
        let path = echoGuard.echoPath.map { "path \($0.delayFrames) frames \(String(format: "%.1f", $0.returnLossDB)) dB" } ?? "learning"
        print(frame, String(format: "%.1f", level), voiced ? "voice" : "-", verdict.map { "\($0)" } ?? "", path)
    }
    print(outcome)
}
let started = Date()
let outcomes = set.fixtures.map { BargeInSimulator.run($0, judge: judge, echoGuard: echoGuard, guarded: guarded) }
let elapsed = Date().timeIntervalSince(started)
let report = BargeInReport(outcomes)
for name in report.falseCuts { print("self-interruption: \(name)") }
for name in report.heardNoises { print("held for a transcript: \(name)") }
for name in report.missed { print("missed: \(name)") }
let frames = set.fixtures.reduce(0) { $0 + $1.near.count / 320 }
print("\(set.fixtures.count) fixtures, \(frames) frames judged in \(String(format: "%.2f", elapsed)) s (echo guard \(guarded ? "on" : "off"))")
print(report.json)
