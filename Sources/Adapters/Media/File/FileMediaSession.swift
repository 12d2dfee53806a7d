import AudioCodecs
import Domain
import Foundation
import Synchronization

/// A media session on WAV files, for `voicegatewayd talk`: the caller's audio comes from a file and
/// everything the daemon plays is written to another, with no telephony at all.
///
/// The caller listens first: the input starts after the first playback (the greeting) completes. After
/// the input and a tail of silence, the session waits for the reply to be played, then ends `inbound`.
public final class FileMediaSession: MediaSession, @unchecked Sendable {
    /// How to feed the caller's audio.
    public struct Options: Sendable {
        /// Feed frames at real time (20 ms apart) instead of as fast as possible.
        public var realTime = true
        /// Silence after the input, so the end of the utterance is detected.
        public var tailSilence: Duration = .milliseconds(1500)
        /// Give up waiting for a reply after this long.
        public var replyTimeout: Duration = .seconds(15)
        public init() {}
    }

    public let offer = MediaOffer(transport: .rtp, externalHost: "file", format: "slin16")
    public let inbound: AsyncStream<AudioFrame>
    private let feed: AsyncStream<AudioFrame>.Continuation
    private let input: [Int16]
    private let outputPath: String
    private let options: Options

    private struct State {
        var output: [Int16] = []
        var plays = 0
        var playing = 0
        var feeder: Task<Void, Never>?
        var closed = false
        var writeError: String?
    }
    private let state = Mutex(State())

    /// `input` at any rate is converted to 16 kHz.
    public init(input: WAVFile, outputPath: String, options: Options = .init()) {
        self.input = Self.to16k(input.samples, rate: input.sampleRate)
        self.outputPath = outputPath
        self.options = options
        (inbound, feed) = AsyncStream.makeStream(of: AudioFrame.self, bufferingPolicy: .unbounded)
    }

    /// Why the output file could not be written at `close()`; nil when it was (or before `close()`).
    public var writeError: String? { state.withLock { $0.writeError } }

    /// What was played so far (16 kHz).
    public var played: [Int16] { state.withLock { $0.output } }

    public func connect(_ attachment: MediaAttachment) async throws(ProviderError) {}

    public func play(_ audio: AudioStream, onFirstFrame: @escaping @Sendable () -> Void) async throws(ProviderError) -> PlaybackOutcome {
        state.withLock { $0.playing += 1 }
        defer { state.withLock { $0.playing -= 1 } }
        var samples: [Int16] = []
        var first = true
        var converter: SampleRateConverter?
        var upsampler = Upsampler2x()
        do {
            for try await chunk in audio {
                if first { onFirstFrame(); first = false }
                switch chunk.sampleRate {
                case 16_000: samples += chunk.samples
                case 8_000: samples += upsampler.process(chunk.samples)
                default:
                    if converter == nil { converter = SampleRateConverter(from: chunk.sampleRate, to: 16_000) }
                    samples += converter?.process(chunk.samples) ?? []
                }
            }
            if let converter { samples += converter.process([], final: true) }
        } catch {
            throw (error as? ProviderError) ?? ProviderError(.badResponse, provider: "tts", "\(error)")
        }
        let startFeeding = state.withLock { state -> Bool in
            state.output += samples
            state.plays += 1
            return state.feeder == nil && !state.closed
        }
        if startFeeding { startFeeder() }
        return .completed(sent: .microseconds(Int64(samples.count) * 1_000_000 / 16_000))
    }

    public func flush() async {}

    public func close() async {
        let (feeder, output, wasClosed) = state.withLock { state in
            let was = state.closed
            state.closed = true
            return (state.feeder, state.output, was)
        }
        guard !wasClosed else { return }
        feeder?.cancel()
        feed.finish()
        do { try WAVFile(sampleRate: 16_000, samples: output).write(path: outputPath) } catch {
            state.withLock { $0.writeError = "\(error)" }
        }
    }

    private func startFeeder() {
        let task = Task { [self] in
            let playsBefore = state.withLock { $0.plays }
            let frames = stride(from: 0, to: input.count, by: 320).map { Array(input[$0..<min($0 + 320, input.count)]) }
            let tail = Int(options.tailSilence.milliseconds / 20)
            for samples in frames + Array(repeating: [Int16](repeating: 0, count: 320), count: tail) {
                if Task.isCancelled { return }
                let padded = samples.count == 320 ? samples : samples + [Int16](repeating: 0, count: 320 - samples.count)
                feed.yield(AudioFrame(samples: padded, sampleRate: 16_000))
                if options.realTime { try? await Task.sleep(for: .milliseconds(20)) }
            }
            // Wait for the reply to the utterance to have been played.
            let deadline = ContinuousClock.now + options.replyTimeout
            while ContinuousClock.now < deadline, !Task.isCancelled {
                let (plays, playing) = state.withLock { ($0.plays, $0.playing) }
                if plays > playsBefore && playing == 0 { break }
                try? await Task.sleep(for: .milliseconds(50))
            }
            feed.finish()
        }
        state.withLock { $0.feeder = task }
    }

    static func to16k(_ samples: [Int16], rate: Int) -> [Int16] {
        switch rate {
        case 16_000: return samples
        case 8_000:
            var upsampler = Upsampler2x()
            return upsampler.process(samples)
        default:
            guard let converter = SampleRateConverter(from: rate, to: 16_000) else { return [] }
            return converter.process(samples) + converter.process([], final: true)
        }
    }
}
