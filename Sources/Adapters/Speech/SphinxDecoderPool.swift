import Foundation
import Synchronization

/// Reuses loaded decoders across utterances (loading the model is the expensive part). A decoder is
/// lent to one utterance at a time; up to `maxIdle` idle ones are kept per kind.
final class SphinxDecoderPool: Sendable {
    private let modelDirectory: String
    private let maxIdle: Int
    private let idle = Mutex<[Bool: [SphinxDecoder]]>([:])
    private static let work = DispatchQueue(label: "voicegw.pocketsphinx", attributes: .concurrent)

    init(modelDirectory: String, maxIdle: Int) {
        self.modelDirectory = modelDirectory
        self.maxIdle = maxIdle
    }

    /// Runs `body` with a decoder (with or without the n-gram model) off the cooperative thread pool.
    func withDecoder<T: Sendable>(languageModel: Bool, _ body: @escaping @Sendable (SphinxDecoder) throws -> T) async throws -> T {
        let directory = modelDirectory
        let decoder = idle.withLock { $0[languageModel]?.popLast() }
        return try await withCheckedThrowingContinuation { continuation in
            Self.work.async {
                do {
                    let lent = try decoder ?? SphinxDecoder(modelDirectory: directory, languageModel: languageModel)
                    let result = Result { try body(lent) }
                    self.giveBack(lent, languageModel: languageModel)
                    continuation.resume(with: result)
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    /// Loads a decoder ahead of the first call, so the first caller does not wait for it.
    func warmUp(languageModel: Bool) async throws {
        _ = try await withDecoder(languageModel: languageModel) { _ in true }
    }

    private func giveBack(_ decoder: SphinxDecoder, languageModel: Bool) {
        idle.withLock { pool in
            if pool[languageModel, default: []].count < maxIdle { pool[languageModel, default: []].append(decoder) }
        }
    }
}
