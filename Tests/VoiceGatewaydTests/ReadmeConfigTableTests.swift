import Foundation
import Testing

@testable import VoiceGatewayd

/// The README's table of configuration keys says exactly what the default configuration declares: every
/// key of `Resources/voicegatewayd.yaml` has a row, and every key a row names exists.
@Suite("README configuration table")
struct ReadmeConfigTableTests {
    /// The keys the table's first column names. A cell lists full keys (`ari.url`), keys beside the last
    /// full one (`port` after `ami.host`: `ami.port`) and suffixes of the last key (`(_file)`).
    static func documentedKeys(_ readme: String) -> Set<String> {
        let lines = readme.components(separatedBy: "\n")
        guard let header = lines.firstIndex(of: "| key | default | meaning |") else { return [] }
        var keys: Set<String> = []
        for line in lines[(header + 2)...] {
            guard line.hasPrefix("|") else { break }
            let cell = line.split(separator: "|", omittingEmptySubsequences: true).first.map(String.init) ?? ""
            var last = ""
            var parent = ""
            for match in cell.matches(of: /`([^`]+)`/) {
                let token = String(match.1)
                let key: String
                if token.hasPrefix("_") {
                    key = last + token
                } else if token.contains(".") {
                    key = token
                    parent = String(token[..<(token.lastIndex(of: ".") ?? token.endIndex)])
                    last = key
                } else {
                    key = parent.isEmpty ? token : "\(parent).\(token)"
                    last = key
                }
                keys.insert(key)
            }
        }
        return keys
    }

    @Test func everyKeyHasARowAndEveryRowAKey() throws {
        let readme = try String(contentsOf: ConfigurationTests.root.appendingPathComponent("README.md"), encoding: .utf8)
        let documented = Self.documentedKeys(readme)
        let declared = Set(try ConfigTree.embedded().values.keys)
        // Maps whose keys are free (`events.kafka.properties.*`, `ari.servers.*`) are rows of their own.
        let sections = Set(ConfigTree.passThroughPrefixes.map { String($0.dropLast()) })
        let undocumented = declared.subtracting(documented).sorted()
        let unknown = documented.subtracting(declared).subtracting(sections).sorted()
        #expect(undocumented.isEmpty, "keys without a README row: \(undocumented)")
        #expect(unknown.isEmpty, "README rows naming no key: \(unknown)")
        #expect(documented.count > 150)
    }

    @Test func theCellNotationIsReadAsWritten() {
        let table = """
            | key | default | meaning |
            |---|---|---|
            | `ami.host`, `port` (`_file`), `ari.url` | x | y |
            | `calls.reattach` | x | y |

            | `not.in.the.table` | | |
            """
        #expect(Self.documentedKeys(table) == ["ami.host", "ami.port", "ami.port_file", "ari.url", "calls.reattach"])
    }
}
