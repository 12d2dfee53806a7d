import Application
import AsteriskARI
import Domain
import Foundation
import Media
import Synchronization
import Testing
import TestSupport

/// The contract every `MediaEngine` meets, run over the in-memory engine and the real RTP, AudioSocket
/// and chan_websocket engines (through ARI and the fake Asterisk, as `TransportHarness` sets them up).
/// It checks content, order and counts; never wall-clock spacing (the transport tests measure pacing).
@Suite("MediaEngine contract", .serialized)
struct MediaEngineContractTests {
    @Test(arguments: MediaAdapter.allCases)
    func callerAudioArrivesAsFramesOfSixteenKilohertzInOrder(_ adapter: MediaAdapter) async throws {
        let driver = try await adapter.start()
        defer { Task { await driver.stop() } }
        let session = try await driver.open()
        // Trailing silence pushes the last steps through any jitter buffer.
        async let collected = collect(session.inbound, count: Steps.frames + 2, timeout: .seconds(30))
        try await driver.sendCallerAudio(Steps.audio() + [Int16](repeating: 0, count: 10 * 320))
        let frames = await collected
        #expect(frames.count == Steps.frames + 2, "\(adapter): \(frames.count) frames")
        #expect(frames.allSatisfy { $0.sampleRate == 16_000 && $0.samples.count == 320 })
        Steps.expectInOrder(frames.map(\.samples), "\(adapter) inbound")
        await session.close()
    }

    @Test(arguments: MediaAdapter.allCases)
    func aReplyReachesThePeerWholeAndInOrder(_ adapter: MediaAdapter) async throws {
        let driver = try await adapter.start()
        defer { Task { await driver.stop() } }
        let session = try await driver.open()
        let first = Mutex(0)
        let outcome = try await session.play(audioStream([AudioFrame(samples: Steps.audio(), sampleRate: 16_000)])) {
            first.withLock { $0 += 1 }
        }
        #expect(outcome == .completed(sent: .milliseconds(20 * Steps.frames)))
        #expect(first.withLock { $0 } == 1, "onFirstFrame runs once")
        #expect(await eventually { await driver.received().count >= Steps.frames })
        let received = await driver.received()
        #expect(received.count == Steps.frames, "\(adapter): \(received.count) frames")
        #expect(received.allSatisfy { $0.count == driver.wireFrameSamples })
        Steps.expectInOrder(received, "\(adapter) outbound")
        await session.close()
    }

    @Test(arguments: MediaAdapter.allCases)
    func flushInterruptsALongPlaybackAndDropsItsAudio(_ adapter: MediaAdapter) async throws {
        let driver = try await adapter.start()
        defer { Task { await driver.stop() } }
        let session = try await driver.open()
        await driver.keepPlaying(session)
        // A quiet 10 s reply, flushed early, then a loud 0.2 s one: levels tell their frames apart.
        let (quiet, loud) = (3000.0, 12_000.0)
        let long = AudioFrame(samples: tone(440, rate: 16_000, seconds: 10, amplitude: quiet), sampleRate: 16_000)
        let playing = Task { try await session.play(audioStream([long])) {} }
        #expect(await eventually { await driver.received().count >= 5 }, "\(adapter): the playback never started")
        await session.flush()
        guard case .interrupted(let sent) = try await value(of: playing) else { Issue.record("\(adapter): not interrupted"); return }
        await driver.letPlay(session)
        let next = try await session.play(audioStream([AudioFrame(samples: tone(440, rate: 16_000, seconds: 0.2, amplitude: loud), sampleRate: 16_000)])) {}
        #expect(next == .completed(sent: .milliseconds(200)))

        // Delivery is in order, so once the second reply is in, whatever was sent before it is too.
        let isLoud = { (frame: [Int16]) in rms(frame[...]) > loud / 2.0.squareRoot() * 0.7 }
        let isQuiet = { (frame: [Int16]) in abs(rms(frame[...]) - quiet / 2.0.squareRoot()) < quiet / 2.0.squareRoot() * 0.3 }
        #expect(await eventually { await driver.received().filter(isLoud).count >= 10 }, "\(adapter): the second reply did not arrive")
        let received = await driver.received()
        let flushedReply = received.filter(isQuiet).count
        #expect(flushedReply >= 5 && flushedReply < 250, "\(adapter): \(flushedReply) frames of the flushed reply went out")
        let firstLoud = received.firstIndex(where: isLoud) ?? received.count
        #expect(received[firstLoud...].allSatisfy { !isQuiet($0) }, "\(adapter): flushed audio went out after the next reply")
        // `.interrupted(sent:)` says how much of the reply left the daemon (to a frame: the first one of a
        // tone can be quieter than the rest after the codec's filters).
        let heard = Duration.milliseconds(20 * flushedReply)
        #expect(sent >= heard && sent <= heard + .milliseconds(20), "\(adapter): sent \(sent) for \(flushedReply) frames")
        await session.close()
    }

    @Test(arguments: MediaAdapter.allCases)
    func closeIsIdempotentInterruptsPlaybackAndEndsInbound(_ adapter: MediaAdapter) async throws {
        let driver = try await adapter.start()
        defer { Task { await driver.stop() } }
        let session = try await driver.open()
        let ended = Mutex(false)
        let reader = Task {
            for await _ in session.inbound {}
            ended.withLock { $0 = true }
        }
        await driver.keepPlaying(session)
        let long = AudioFrame(samples: tone(440, rate: 16_000, seconds: 10, amplitude: 6000), sampleRate: 16_000)
        let playing = Task { try await session.play(audioStream([long])) {} }
        #expect(await eventually { await driver.received().count >= 5 }, "\(adapter): the playback never started")
        await session.close()
        await session.close()
        // Closing stops a playback that is running, as a flush does.
        guard case .interrupted = try await value(of: playing) else { Issue.record("\(adapter): playback not interrupted by close"); return }
        #expect(await eventually { ended.withLock { $0 } }, "\(adapter): inbound did not finish on close")
        await reader.value
        // A playback asked of a closed session ends at once: nothing will ever send it.
        let late = Task { try await session.play(audioStream([AudioFrame(samples: tone(440, rate: 16_000, seconds: 1), sampleRate: 16_000)])) {} }
        #expect(try await value(of: late) == .interrupted(sent: .zero), "\(adapter): play after close")
    }
}

/// What `task` returns, or nil (and the task cancelled) when it has not returned within `timeout`: a
/// playback that is never interrupted fails the test instead of hanging it.
func value<T: Sendable>(of task: Task<T, any Error>, within timeout: Duration = .seconds(10)) async throws -> T? {
    let result = Mutex<Result<T, any Error>?>(nil)
    let watcher = Task { let outcome = await task.result; result.withLock { $0 = outcome } }
    guard await eventually(timeout: timeout, { result.withLock { $0 != nil } }) else {
        task.cancel()
        watcher.cancel()
        return nil
    }
    return try result.withLock { $0 }?.get()
}

/// A test signal in five steps of rising loudness, 10 frames each: a frame's level tells which step it
/// came from, so order survives resampling and G.711 without comparing samples one by one.
enum Steps {
    static let amplitudes: [Double] = [2000, 4000, 6000, 8000, 10_000]
    static let frames = 50

    /// One second of 16 kHz audio: a 700 Hz tone, louder every 0.2 s.
    static func audio() -> [Int16] {
        (0..<(frames * 320)).map { n in
            Int16(amplitudes[n / 3200] * sin(2 * .pi * 700 * Double(n) / 16_000))
        }
    }

    /// The frames' steps never go back, and each step shows up in most of its frames. A frame is given
    /// a step only when it holds a steady tone (a sine's peak is √2 times its level: a frame across a step
    /// or into silence peaks higher) at a level close to that step's.
    static func expectInOrder(_ frames: [[Int16]], _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let levels = amplitudes.map { $0 / 2.0.squareRoot() }
        let steps = frames.compactMap { frame -> Int? in
            let level = rms(frame[...])
            let peak = Double(frame.map { abs(Int($0)) }.max() ?? 0)
            guard level > 0, peak / level < 1.55 else { return nil }
            return levels.indices.first { abs(levels[$0] - level) < levels[$0] * 0.2 }
        }
        #expect(zip(steps, steps.dropFirst()).allSatisfy { $0 <= $1 }, "\(what): out of order \(steps)", sourceLocation: sourceLocation)
        for step in levels.indices {
            #expect(steps.filter { $0 == step }.count >= 6, "\(what): step \(step) missing in \(steps)", sourceLocation: sourceLocation)
        }
    }
}
