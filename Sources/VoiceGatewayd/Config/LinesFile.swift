import Application
import Foundation
import Yams

/// `conversation.lines_file`: the daemon's own lines per tenant and language.
///
/// ```yaml
/// de-DE:                      # every tenant's calls in German
///   agent_fallback: "Entschuldigung, ich habe gerade Probleme. Bitte versuchen Sie es noch einmal."
///   reprompt: "Entschuldigung, das habe ich nicht verstanden."
/// acme:                       # tenant acme, any language
///   goodbye: "Thank you for calling Acme. Goodbye."
/// acme/de-DE:                 # tenant acme in German
///   goodbye: "Danke für Ihren Anruf bei Acme. Auf Wiederhören."
/// ```
/// Lines: `agent_fallback`, `reprompt`, `goodbye`, `resume`, `transfer_hold`, `transfer_no_answer`, `transfer_failed`.
enum LinesFile {
    static let key = "conversation.lines_file"

    static func load(path: String) throws(ConfigError) -> LineBook {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw ConfigError(key: key, message: "cannot read \(path)") }
        return try parse(yaml: text)
    }

    static func parse(yaml text: String) throws(ConfigError) -> LineBook {
        let root: Any?
        do { root = try Yams.load(yaml: text) } catch { throw ConfigError(key: key, message: "not valid YAML: \(error)") }
        guard let entries = root as? [String: Any] else { throw ConfigError(key: key, message: "a mapping of tenant and/or language to lines") }
        var book = LineBook()
        for (name, raw) in entries {
            guard let fields = raw as? [String: Any] else { throw ConfigError(key: key, message: "\(name): a mapping of lines") }
            var lines = LineBook.Lines()
            for (field, value) in fields {
                guard let path = LineBook.Lines.fields.first(where: { $0.name == field })?.path else {
                    let known = LineBook.Lines.fields.map(\.name).joined(separator: ", ")
                    throw ConfigError(key: key, message: "\(name).\(field): unknown line (\(known))")
                }
                guard let line = value as? String, !line.trimmingCharacters(in: .whitespaces).isEmpty else {
                    throw ConfigError(key: key, message: "\(name).\(field): a non-empty string")
                }
                lines[keyPath: path] = line
            }
            book.entries[name] = lines
        }
        return book
    }
}
