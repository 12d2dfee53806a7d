import CEspeakNG
import Domain
import Foundation
import Logging
import Synchronization

/// Embedded text-to-speech through libespeak-ng (offline, the default).
///
/// espeak-ng keeps process-global state and is not thread-safe, so every synthesis runs on one serial
/// queue; the audio callback feeds the returned stream as espeak produces it (PCM16 mono at the
/// engine's rate, 22050 Hz), so playback starts before the sentence is complete.
public final class EspeakTextToSpeech: TextToSpeech {
    /// Engine settings.
    public struct Configuration: Sendable, Hashable {
        /// espeak-ng voice (`en-us`); a request's voice wins when it names one.
        public var voice: String = "en-us"
        /// Words per minute.
        public var rate: Int = 175
        public init(voice: String = "en-us", rate: Int = 175) {
            self.voice = voice
            self.rate = rate
        }
    }

    public let name: String
    private let configuration: Configuration
    private let logger: Logger

    public init(name: String = "espeak", configuration: Configuration = .init(), logger: Logger) {
        self.name = name
        self.configuration = configuration
        self.logger = logger
    }

    public func synthesize(_ request: SynthesisRequest) -> AudioStream {
        let (stream, continuation) = AudioStream.makeStream()
        let text = request.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else {
            continuation.finish()
            return stream
        }
        let job = EspeakJob(continuation: continuation)
        continuation.onTermination = { _ in job.cancel() }
        let voice = request.voice ?? configuration.voice
        let rate = configuration.rate
        let provider = name
        let logger = logger
        EspeakEngine.queue.async {
            do {
                let sampleRate = try EspeakEngine.shared.prepare(voice: voice, rate: rate, logger: logger)
                job.sampleRate = sampleRate
                try EspeakEngine.shared.synthesize(text, job: job)
                continuation.finish()
            } catch let error as ProviderError {
                continuation.finish(throwing: ProviderError(error.kind, provider: provider, error.message))
            } catch {
                continuation.finish(throwing: ProviderError(.unavailable, provider: provider, "\(error)"))
            }
        }
        return stream
    }
}

/// One synthesis in flight: where its audio goes and whether the consumer gave up.
final class EspeakJob: @unchecked Sendable {
    // Written on the espeak queue before synthesis starts, read by the callback on the same queue.
    var sampleRate = 22_050
    let continuation: AudioStream.Continuation
    private let cancelled = Mutex(false)

    init(continuation: AudioStream.Continuation) { self.continuation = continuation }

    func cancel() { cancelled.withLock { $0 = true } }
    var isCancelled: Bool { cancelled.withLock { $0 } }
}

/// The process-wide espeak-ng engine. Only touched on `queue`.
final class EspeakEngine: @unchecked Sendable {
    static let queue = DispatchQueue(label: "voicegw.espeak")
    static let shared = EspeakEngine()

    private var sampleRate: Int?
    private var currentVoice: String?
    private var currentRate: Int?

    /// Initialises the engine once and selects voice and rate; returns the sample rate.
    func prepare(voice: String, rate: Int, logger: Logger) throws -> Int {
        let rateValue: Int
        if let sampleRate {
            rateValue = sampleRate
        } else {
            let result = vgw_espeak_init()
            guard result > 0 else { throw ProviderError(.unavailable, provider: "espeak", "espeak-ng failed to initialise (data files missing?)") }
            // Forwards samples to the job named in the events' user data; returns 1 to abort when the
            // consumer cancelled.
            espeak_SetSynthCallback { samples, count, events in
                guard let events, let userData = events.pointee.user_data else { return 0 }
                let job = Unmanaged<EspeakJob>.fromOpaque(userData).takeUnretainedValue()
                if job.isCancelled { return 1 }
                if let samples, count > 0 {
                    let buffer = Array(UnsafeBufferPointer(start: samples, count: Int(count)))
                    job.continuation.yield(AudioFrame(samples: buffer, sampleRate: job.sampleRate))
                }
                return 0
            }
            sampleRate = Int(result)
            rateValue = Int(result)
        }
        if currentVoice != voice {
            if vgw_espeak_set_voice(voice) != 0 {
                logger.warning("espeak-ng voice not found; using en-us", metadata: ["voice": "\(voice)"])
                _ = vgw_espeak_set_voice("en-us")
            }
            currentVoice = voice
        }
        if currentRate != rate {
            _ = vgw_espeak_set_rate(Int32(rate))
            currentRate = rate
        }
        return rateValue
    }

    /// Synthesizes `text` synchronously; the callback streams the audio into `job`.
    func synthesize(_ text: String, job: EspeakJob) throws {
        let box = Unmanaged.passRetained(job)
        defer { box.release() }
        let status = text.withCString { vgw_espeak_synth($0, box.toOpaque()) }
        guard status == 0 else {
            throw ProviderError(.unavailable, provider: "espeak", "espeak_Synth failed with status \(status)")
        }
    }
}
