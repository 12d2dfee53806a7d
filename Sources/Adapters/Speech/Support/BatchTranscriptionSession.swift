import Domain
import Synchronization

/// An utterance for a batch (one request per utterance) provider: collects the frames, then hands all
/// of them to `transcribe` in `finish()`.
final class BatchTranscriptionSession: TranscriptionSession {
    typealias Transcribe = @Sendable (_ samples: [Int16], _ sampleRate: Int) async throws(ProviderError) -> Transcript

    private let provider: String
    private let sampleRate: Int
    private let transcribe: Transcribe
    private let samples = Mutex<[Int16]>([])
    let partials = AsyncStream<Transcript> { $0.finish() }

    init(provider: String, sampleRate: Int, transcribe: @escaping Transcribe) {
        self.provider = provider
        self.sampleRate = sampleRate
        self.transcribe = transcribe
    }

    func send(_ frame: AudioFrame) async throws(ProviderError) {
        guard frame.sampleRate == sampleRate else {
            throw ProviderError(.badRequest, provider: provider, "frame at \(frame.sampleRate) Hz, session at \(sampleRate) Hz")
        }
        samples.withLock { $0.append(contentsOf: frame.samples) }
    }

    func finish() async throws(ProviderError) -> Transcript {
        let audio = samples.withLock { current in
            defer { current = [] }
            return current
        }
        guard audio.count >= sampleRate / 10 else { return Transcript(text: "", isFinal: true) }  // < 100 ms
        return try await transcribe(audio, sampleRate)
    }

    func cancel() async {
        samples.withLock { $0 = [] }
    }
}
