import Foundation
import Synchronization

/// Reuses loaded decoders across utterances (loading the model is the expensive part). A decoder is
/// lent to one utterance at a time; up to `maxIdle` idle ones are kept per kind.
final class SphinxDecoderPool: Sendable {
    private let modelDirectory: String
    private let maxIdle: Int
    private let idle = Mutex<[SphinxDecoder.Kind: [SphinxDecoder]]>([:])
    private let workers: DecodeWorkers

    init(modelDirectory: String, maxIdle: Int, workers: DecodeWorkers = .shared) {
        self.modelDirectory = modelDirectory
        self.maxIdle = maxIdle
        self.workers = workers
    }

    /// Runs `body` with a decoder of `kind` on the decode workers (off the cooperative thread pool).
    func withDecoder<T: Sendable>(_ kind: SphinxDecoder.Kind, _ body: @escaping @Sendable (SphinxDecoder) throws -> T) async throws -> T {
        let directory = modelDirectory
        return try await workers.run {
            let lent = try self.idle.withLock { $0[kind]?.popLast() } ?? SphinxDecoder(modelDirectory: directory, kind: kind)
            defer { self.giveBack(lent, kind: kind) }
            return try body(lent)
        }
    }

    /// Loads a decoder ahead of the first call, so the first caller does not wait for it.
    func warmUp(_ kinds: [SphinxDecoder.Kind]) async throws {
        for kind in kinds { _ = try await withDecoder(kind) { _ in true } }
    }

    private func giveBack(_ decoder: SphinxDecoder, kind: SphinxDecoder.Kind) {
        idle.withLock { pool in
            if pool[kind, default: []].count < maxIdle { pool[kind, default: []].append(decoder) }
        }
    }
}
