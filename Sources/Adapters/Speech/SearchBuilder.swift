import Logging

/// Turns expected phrases into a pocketsphinx search, dropping words the dictionary does not know.
enum SearchBuilder {
    static func search(
        mode: PocketSphinxSpeechToText.Mode, phrases: [String], configuration: PocketSphinxSpeechToText.Configuration,
        decoder: SphinxDecoder, logger: Logger
    ) throws -> Search {
        if mode == .open || mode == .auto && phrases.isEmpty { return Search(name: "_default", kind: .languageModel) }
        let known = normalise(phrases, decoder: decoder, logger: logger)
        guard !known.isEmpty else { throw SphinxError("none of the phrases \(phrases) is in the dictionary") }
        switch mode {
        case .keyphrase:
            let list = known.map { "\($0) /\(configuration.keyphraseThreshold)/" }.joined(separator: "\n") + "\n"
            return Search(name: "kws-\(stableHash(list))", kind: .keyphrases(list))
        default:
            return Search(name: "fsg-\(stableHash(known.joined(separator: "|")))", kind: .grammar(sentenceGrammar(known)))
        }
    }

    /// A finite-state grammar with one word chain per phrase, all of weight 1, from state 0 to state 1.
    /// Phrases are the sentences callers are expected to say (an intent's examples and keywords): a closed
    /// set recognised far more reliably than keywords in a filler loop, which on telephone speech turned
    /// "I want to check my balance" into "i a want to my bye i".
    static func sentenceGrammar(_ phrases: [String]) -> String {
        var transitions: [String] = []
        var states = 2
        for phrase in phrases {
            let words = phrase.split(separator: " ")
            var from = 0
            for (index, word) in words.enumerated() {
                let to = index == words.count - 1 ? 1 : states
                if to != 1 { states += 1 }
                transitions.append("TRANSITION \(from) \(to) 1.0 \(word)")
                from = to
            }
        }
        return "FSG_BEGIN voicegw\nNUM_STATES \(states)\nSTART_STATE 0\nFINAL_STATE 1\n" + transitions.joined(separator: "\n") + "\nFSG_END\n"
    }

    /// Lower-cased phrases of dictionary words only; phrases with an unknown word are dropped (logged).
    static func normalise(_ phrases: [String], decoder: SphinxDecoder, logger: Logger) -> [String] {
        var seen = Set<String>()
        var out: [String] = []
        for phrase in phrases {
            let words = phrase.lowercased().split { !$0.isLetter && $0 != "'" }.map(String.init)
            guard !words.isEmpty else { continue }
            if let unknown = words.first(where: { !decoder.knows($0) }) {
                logger.warning("phrase left out of recognition: word not in the dictionary", metadata: ["phrase": "\(phrase)", "word": "\(unknown)"])
                continue
            }
            let joined = words.joined(separator: " ")
            if seen.insert(joined).inserted { out.append(joined) }
        }
        return out
    }

    /// FNV-1a, so search names are stable across runs (Hasher is seeded per process).
    static func stableHash(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}
