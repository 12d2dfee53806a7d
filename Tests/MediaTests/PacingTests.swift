import Domain
@testable import Media
import NIOCore
import NIOEmbedded
import Synchronization
import Testing
import TestSupport

final class TickRecorder: PacingTicker.Client, @unchecked Sendable {
    let loop: EmbeddedEventLoop
    let ticks = Mutex<[(index: UInt64, at: UInt64)]>([])
    init(loop: EmbeddedEventLoop) { self.loop = loop }
    func tick(_ index: UInt64) {
        let at = loop.now.uptimeNanoseconds
        ticks.withLock { $0.append((index, at)) }
    }
}

@Suite("Pacing")
struct PacingTests {
    let period: Int64 = 20_000_000

    @Test func scheduleHasNoDriftOverAnHour() {
        let schedule = PacingSchedule(period: period)
        let start: UInt64 = 1_000_000_007
        var now = start
        for _ in 0..<180_000 {
            // Every wake-up is 0.3 ms late; deadlines stay on the grid anyway.
            let next = schedule.next(start: start, now: now)
            #expect((next.deadline - start) % UInt64(period) == 0)
            now = next.deadline + 300_000
        }
        let last = schedule.next(start: start, now: now)
        #expect(last.index == 180_001)
        #expect(last.deadline == start + 180_001 * UInt64(period))
    }

    @Test func aLateWakeUpSkipsInsteadOfBursting() {
        let schedule = PacingSchedule(period: period)
        // Tick 3 (60 ms) ran 75 ms late, at 135 ms: the next tick is 7 (140 ms), not 4, 5, 6, 7 back to back.
        let next = schedule.next(start: 0, now: 135_000_000)
        #expect(next.index == 7)
        #expect(next.deadline == 7 * UInt64(period))
        let again = schedule.next(start: 0, now: next.deadline)
        #expect(again.index == 8, "one tick per period after catching up")
    }

    @Test func tickerFiresOncePerPeriodOnAnInjectedClock() {
        let loop = EmbeddedEventLoop()
        let ticker = PacingTicker(eventLoop: loop)
        let a = TickRecorder(loop: loop)
        let b = TickRecorder(loop: loop)
        ticker.add(a)
        ticker.add(b)
        loop.run()
        let started = loop.now.uptimeNanoseconds
        loop.advanceTime(by: .seconds(10))
        let ticksA = a.ticks.withLock { $0 }
        #expect(ticksA.count == 500)
        #expect(b.ticks.withLock { $0.count } == 500, "one shared tick serves every session")
        for (n, tick) in ticksA.enumerated() {
            #expect(tick.index == UInt64(n + 1))
            #expect(tick.at - started == UInt64(n + 1) * 20_000_000)
        }
        ticker.remove(b)
        loop.run()
        loop.advanceTime(by: .milliseconds(100))
        #expect(b.ticks.withLock { $0.count } == 500)
        #expect(a.ticks.withLock { $0.count } == 505)
        ticker.remove(a)
        loop.run()
        loop.advanceTime(by: .milliseconds(100))
        #expect(a.ticks.withLock { $0.count } == 505, "no tick once nobody listens")
    }

    @Test func loopsTickAtPhasesSpreadOverThePeriod() {
        let schedule = PacingSchedule(period: period)
        #expect((0..<8).map { schedule.phase(ofLoop: $0) / 1_000_000 } == [0, 10, 5, 15, 2, 12, 7, 17],
                "two loops 10 ms apart, four 5 ms apart, whatever the count")
        #expect(schedule.start(phase: 10_000_000, now: 1_234_567_890) == 1_230_000_000)
        #expect(schedule.start(phase: 10_000_000, now: 1_225_000_000) == 1_210_000_000, "never after now")
        #expect(schedule.start(phase: 0, now: 1_240_000_000) == 1_240_000_000)
    }

    @Test func aTickerWithAPhaseTicksOnItsGrid() {
        let loop = EmbeddedEventLoop()
        loop.advanceTime(by: .nanoseconds(1_234_567_890))
        let ticker = PacingTicker(eventLoop: loop, phase: 10_000_000)
        let client = TickRecorder(loop: loop)
        ticker.add(client)
        loop.run()
        loop.advanceTime(by: .milliseconds(100))
        let ticks = client.ticks.withLock { $0 }
        #expect(ticks.count == 5)
        #expect(ticks.allSatisfy { $0.at % 20_000_000 == 10_000_000 }, "every tick 10 ms past the 20 ms grid")
        #expect(ticks.first?.at == 1_250_000_000, "the first grid point after the session arrived")
    }

    /// What a socket driven by the ticker saw, in order: "flush" or "poll", with the time.
    final class SocketRecorder: PacingTicker.Socket, @unchecked Sendable {
        let loop: EmbeddedEventLoop
        let events = Mutex<[(String, UInt64)]>([])
        init(loop: EmbeddedEventLoop) { self.loop = loop }
        func flush() { record("flush") }
        func poll() { record("poll") }
        private func record(_ what: String) {
            let at = loop.now.uptimeNanoseconds
            events.withLock { $0.append((what, at)) }
        }
    }

    @Test func socketsAreFlushedAfterTheSessionsThenReadAndReadAgainHalfATickLater() {
        let loop = EmbeddedEventLoop()
        let ticker = PacingTicker(eventLoop: loop)
        let socket = SocketRecorder(loop: loop)
        ticker.add(socket: socket)
        loop.run()
        let started = loop.now.uptimeNanoseconds
        loop.advanceTime(by: .milliseconds(100))
        let events = socket.events.withLock { $0 }
        #expect(events.map(\.0) == Array(repeating: ["flush", "poll", "poll"], count: 4).flatMap { $0 } + ["flush", "poll"],
                "the ticker runs for a socket alone (datagrams are read with no session sending)")
        let polls = events.filter { $0.0 == "poll" }.map { $0.1 - started }
        #expect(polls == (2...10).map { UInt64($0) * 10_000_000 }, "read every 10 ms from the first tick on: at each tick and half-way")

        ticker.remove(socket: socket)
        loop.run()
        loop.advanceTime(by: .milliseconds(100))
        #expect(socket.events.withLock { $0.count } <= events.count + 1, "a removed socket is no longer driven")
    }

    @Test func pacedOutputSendsOneFramePerTickAndFlushesAtOnce() async throws {
        let output = PacedOutput(wireRate: 8_000, encoding: .ulaw)
        let audio = AudioFrame(samples: tone(440, rate: 16_000, seconds: 1), sampleRate: 16_000)
        let first = Mutex(0)
        async let outcome = output.play(audioStream([audio])) { first.withLock { $0 += 1 } }
        // Wait until the producer queued at least ten frames, then take ten ticks' worth.
        #expect(await eventually { output.queuedFrames >= 10 })
        var frames: [PacedOutput.Frame] = []
        for _ in 0..<10 { if let frame = output.next() { frames.append(frame) } }
        #expect(frames.count == 10)
        #expect(frames.map(\.first) == [true] + Array(repeating: false, count: 9))
        #expect(frames.allSatisfy { $0.payload.count == 160 })
        output.flush()
        #expect(output.next() == nil, "nothing after a flush")
        let result = try await outcome
        #expect(result == .interrupted(sent: .milliseconds(200)))
        #expect(first.withLock { $0 } == 1)
    }

    @Test func aPlaybackEndsWithItsLastFrameSoTheNextSentenceLeavesNoHole() async throws {
        let output = PacedOutput(wireRate: 8_000, encoding: .ulaw)
        let sentence = AudioFrame(samples: tone(440, rate: 16_000, seconds: 0.1), sampleRate: 16_000)  // 5 frames
        let played = Mutex<[PlaybackOutcome]>([])
        // Two sentences back to back, the second played as soon as the first returns (as the conversation does).
        let speaker = Task {
            for _ in 0..<2 {
                let outcome = try await output.play(audioStream([sentence])) {}
                played.withLock { $0.append(outcome) }
            }
        }
        var ticks: [PacedOutput.Frame?] = []
        for _ in 0..<10 {
            // Each tick after the producer had its chance to queue (or finish) what it has.
            #expect(await eventually { output.queuedFrames > 0 || played.withLock { $0.count } == 2 })
            ticks.append(output.next())
        }
        try await speaker.value
        // Ten ticks, ten frames: the tick that takes a sentence's last frame also ends it.
        #expect(ticks.map { $0 != nil } == Array(repeating: true, count: 10))
        #expect(ticks.map { $0?.first ?? false } == [true, false, false, false, false, true, false, false, false, false])
        #expect(played.withLock { $0 } == [.completed(sent: .milliseconds(100)), .completed(sent: .milliseconds(100))])
        #expect(output.next() == nil)
    }
}

@Suite("Outbound back-pressure")
struct BackPressureTests {
    @Test func aFastProducerWaitsInsteadOfQueueingTheWholeReply() async throws {
        let output = PacedOutput(wireRate: 8_000, encoding: .ulaw)
        // 20 s of audio in 20 ms chunks, produced as fast as it is taken.
        let chunks = (0..<1000).map { _ in AudioFrame(samples: [Int16](repeating: 100, count: 320), sampleRate: 16_000) }
        async let outcome = output.play(audioStream(chunks)) {}
        // The producer stops at the high-water mark (plus the chunk that crossed it) and waits there; on a
        // loaded machine it may take a while to get there, so wait for it rather than for a fixed time.
        #expect(await eventually { output.producerIsWaiting })
        let queued = output.queuedFrames
        guard queued > PacedOutput.lowWater else { Issue.record("only \(queued) frames queued"); output.flush(); _ = try await outcome; return }
        #expect(queued > PacedOutput.lowWater && queued <= PacedOutput.highWater + 1, "\(queued) frames were queued at once")
        // Draining to the low-water mark lets it produce again.
        for _ in 0..<(queued - PacedOutput.lowWater) { _ = output.next() }
        #expect(await eventually { output.queuedFrames > PacedOutput.lowWater })
        output.flush()
        guard case .interrupted = try await outcome else { Issue.record("expected interrupted"); return }
    }
}
