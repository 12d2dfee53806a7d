/// The competitor a grammar result is scored against: any sequence of the 39 phones of the en-us model.
///
/// A grammar search always returns its best sentence, even for a cough or "where is my order"; how much
/// better that sentence explains the audio than free phones do, per 10 ms frame, says whether the caller
/// said it (measured on espeak-ng voices over G.711: the ratio separates in-grammar from other speech and
/// noise where pocketsphinx's own posteriors are always 0 for grammar searches).
enum PhoneLoop {
    static let searchName = "voicegw-phone-loop"

    /// The CMU phones, each as a one-phone dictionary word `ph_xx`.
    static let phones = [
        "AA", "AE", "AH", "AO", "AW", "AY", "B", "CH", "D", "DH", "EH", "ER", "EY", "F", "G", "HH", "IH", "IY", "JH", "K", "L",
        "M", "N", "NG", "OW", "OY", "P", "R", "S", "SH", "T", "TH", "UH", "UW", "V", "W", "Y", "Z", "ZH",
    ]

    static var words: [(word: String, phone: String)] { phones.map { ("ph_" + $0.lowercased(), $0) } }

    /// A loop over every phone word (each transition 0.05), entered from the start and left at any time.
    static let fsg: String = {
        var text = "FSG_BEGIN phoneloop\nNUM_STATES 3\nSTART_STATE 0\nFINAL_STATE 1\nTRANSITION 0 2 1\n"
        for (word, _) in words { text += "TRANSITION 2 2 0.05 \(word)\n" }
        text += "TRANSITION 2 1 1\nFSG_END\n"
        return text
    }()

    /// How much better the grammar explained the utterance than the phone loop, per frame (log domain);
    /// nil when either search reached no result (nothing to compare: not a sure result).
    static func margin(grammar: Hypothesis, loop: Hypothesis) -> Double? {
        guard !grammar.text.isEmpty, let score = grammar.score, let competitor = loop.score, grammar.frames > 0 else { return nil }
        return Double(score - competitor) / Double(grammar.frames)
    }
}
