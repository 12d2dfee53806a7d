import CPocketSphinx
import Foundation

/// One pocketsphinx decoder (an acoustic model loaded in memory, ~0.15 s to create) with the searches
/// set on it. Not thread-safe: the pool hands it to one utterance at a time.
///
/// Three kinds: with the n-gram model (open vocabulary, keyword spotting), for grammars (wide beams: the
/// defaults often end a grammar search short of its final state on telephone speech), and for the phone
/// loop grammar results are scored against (`PhoneLoop`; default beams, as measured).
final class SphinxDecoder: @unchecked Sendable {
    /// What a decoder is set up for.
    enum Kind: Int32, Sendable, Hashable {
        case languageModel = 0, grammar = 1, phoneLoop = 2
    }

    private let decoder: OpaquePointer
    private var searches: Set<String> = []
    let hasLanguageModel: Bool

    /// Loads the model in `modelDirectory` (`en-us/`, `cmudict-en-us.dict`, `en-us.lm.bin`).
    init(modelDirectory: String, kind: Kind) throws {
        let languageModel = kind == .languageModel
        let hmm = modelDirectory + "/en-us"
        let dict = modelDirectory + "/cmudict-en-us.dict"
        let lm = modelDirectory + "/en-us.lm.bin"
        for path in [hmm, dict] + (languageModel ? [lm] : []) where !FileManager.default.fileExists(atPath: path) {
            throw SphinxError("model file missing: \(path) (install pocketsphinx-en-us)")
        }
        let created: OpaquePointer? = vgw_ps_create(hmm, dict, languageModel ? lm : nil, kind.rawValue)
        guard let created else { throw SphinxError("pocketsphinx failed to load the model in \(modelDirectory)") }
        decoder = created
        hasLanguageModel = languageModel
        if kind == .phoneLoop {
            for (word, phone) in PhoneLoop.words {
                guard ps_add_word(decoder, word, phone, 0) >= 0 else { throw SphinxError("pocketsphinx refused the phone word \(word)") }
            }
            try activate(Search(name: PhoneLoop.searchName, kind: .grammar(PhoneLoop.fsg)))
        }
    }

    deinit { ps_free(decoder) }

    /// Whether the dictionary knows `word`.
    func knows(_ word: String) -> Bool {
        word.withCString { ps_lookup_word(decoder, $0) } != nil
    }

    /// Makes `search` the active search, creating it once.
    func activate(_ search: Search) throws {
        if !searches.contains(search.name) {
            let status: Int32
            switch search.kind {
            case .grammar(let fsg):
                status = try Self.withTemporaryFile(fsg) { path in search.name.withCString { vgw_ps_set_fsg_file(decoder, $0, path) } }
            case .keyphrases(let list):
                status = try Self.withTemporaryFile(list) { path in search.name.withCString { ps_set_kws(decoder, $0, path) } }
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

    /// Decodes one whole utterance (16 kHz PCM16) with the active search in batch mode, which normalises
    /// the cepstrum over the whole utterance and recognises far better than live mode on short turns.
    func decode(_ samples: [Int16]) throws -> Hypothesis {
        guard ps_start_utt(decoder) == 0 else { throw SphinxError("ps_start_utt failed") }
        let processed = samples.withUnsafeBufferPointer { buffer in
            ps_process_raw(decoder, buffer.baseAddress, buffer.count, 0, 1)
        }
        guard ps_end_utt(decoder) == 0, processed >= 0 else { throw SphinxError("decoding failed") }
        var score: Int32 = 0
        let frames = Int(ps_get_n_frames(decoder))
        guard let hypothesis = ps_get_hyp(decoder, &score) else { return Hypothesis(text: "", score: nil, frames: frames) }
        return Hypothesis(text: String(cString: hypothesis), score: Int(score), frames: frames)
    }

    private static func withTemporaryFile<T>(_ text: String, _ body: (String) throws -> T) throws -> T {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("voicegw-search-\(UUID().uuidString).txt")
        try text.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        return try body(file.path)
    }
}

/// What a search made of an utterance: the words (empty when the search reached no final state), its
/// path score (log domain, nil without a result) and the utterance's length in 10 ms frames.
struct Hypothesis: Sendable, Hashable {
    let text: String
    let score: Int?
    let frames: Int
}

/// A search configured on a decoder.
struct Search: Sendable, Hashable {
    enum Kind: Sendable, Hashable {
        /// A finite-state grammar in FSG text form.
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
