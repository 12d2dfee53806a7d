import CPocketSphinx
import Foundation

/// One pocketsphinx decoder (an acoustic model loaded in memory, ~0.15 s to create) with the searches
/// set on it. Not thread-safe: the pool hands it to one utterance at a time.
final class SphinxDecoder: @unchecked Sendable {
    private let decoder: OpaquePointer
    private var searches: Set<String> = []
    let hasLanguageModel: Bool

    /// Loads the model in `modelDirectory` (`en-us/`, `cmudict-en-us.dict`, `en-us.lm.bin`).
    init(modelDirectory: String, languageModel: Bool) throws {
        let hmm = modelDirectory + "/en-us"
        let dict = modelDirectory + "/cmudict-en-us.dict"
        let lm = modelDirectory + "/en-us.lm.bin"
        for path in [hmm, dict] + (languageModel ? [lm] : []) where !FileManager.default.fileExists(atPath: path) {
            throw SphinxError("model file missing: \(path) (install pocketsphinx-en-us)")
        }
        let created: OpaquePointer? = languageModel ? vgw_ps_create(hmm, dict, lm) : vgw_ps_create(hmm, dict, nil)
        guard let created else { throw SphinxError("pocketsphinx failed to load the model in \(modelDirectory)") }
        decoder = created
        hasLanguageModel = languageModel
    }

    deinit { ps_free(decoder) }

    /// Whether the dictionary knows `word`.
    func knows(_ word: String) -> Bool {
        word.withCString { ps_lookup_word(decoder, $0) } != nil
    }

    /// Makes `search` the active search, creating it once with `install`.
    func activate(_ search: Search) throws {
        if !searches.contains(search.name) {
            let status: Int32
            switch search.kind {
            case .grammar(let jsgf):
                status = search.name.withCString { name in jsgf.withCString { ps_set_jsgf_string(decoder, name, $0) } }
            case .keyphrases(let list):
                let file = FileManager.default.temporaryDirectory.appendingPathComponent("voicegw-kws-\(UUID().uuidString).txt")
                try list.write(to: file, atomically: true, encoding: .utf8)
                defer { try? FileManager.default.removeItem(at: file) }
                status = search.name.withCString { name in file.path.withCString { ps_set_kws(decoder, name, $0) } }
            case .languageModel:
                status = 0
            }
            guard status == 0 else { throw SphinxError("pocketsphinx refused search \(search.name)") }
            searches.insert(search.name)
        }
        if case .languageModel = search.kind {
            guard hasLanguageModel else { throw SphinxError("decoder has no language model") }
            return
        }
        guard search.name.withCString({ ps_set_search(decoder, $0) }) == 0 else {
            throw SphinxError("pocketsphinx could not select search \(search.name)")
        }
    }

    /// Decodes one whole utterance (16 kHz PCM16) in batch mode, which normalises the cepstrum over the
    /// whole utterance and recognises far better than live mode on short turns. Returns the hypothesis.
    func decode(_ samples: [Int16]) throws -> String {
        guard ps_start_utt(decoder) == 0 else { throw SphinxError("ps_start_utt failed") }
        let processed = samples.withUnsafeBufferPointer { buffer in
            ps_process_raw(decoder, buffer.baseAddress, buffer.count, 0, 1)
        }
        guard ps_end_utt(decoder) == 0, processed >= 0 else { throw SphinxError("decoding failed") }
        var score: Int32 = 0
        guard let hypothesis = ps_get_hyp(decoder, &score) else { return "" }
        return String(cString: hypothesis)
    }
}

/// A search configured on a decoder.
struct Search: Sendable, Hashable {
    enum Kind: Sendable, Hashable {
        case grammar(String)
        case keyphrases(String)
        case languageModel
    }
    let name: String
    let kind: Kind
}

struct SphinxError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
