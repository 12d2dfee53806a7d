import Application
import Foundation
import Testing

@testable import VoiceGatewayd

@Suite("conversation.lines_file")
struct LinesFileTests {
    @Test func theShippedSampleParses() throws {
        let book = try LinesFile.load(path: DaemonHarness.root.appendingPathComponent("etc/lines.yaml").path)
        #expect(book.entries["de"]?.transferFailed?.isEmpty == false)
        #expect(book.entries["acme"]?.goodbye == "Thank you for calling Acme. Goodbye.")
    }

    @Test(arguments: [
        ("[1, 2]", "a mapping"),
        ("de: hello", "de: a mapping of lines"),
        ("de:\n  farewell: Tschüss", "de.farewell: unknown line"),
        ("de:\n  goodbye: ''", "de.goodbye: a non-empty string"),
    ])
    func badFilesNameTheKeyAndTheLine(yaml: String, message: String) {
        do {
            _ = try LinesFile.parse(yaml: yaml)
            Issue.record("accepted \(yaml)")
        } catch {
            #expect(error.key == "conversation.lines_file")
            #expect(error.message.contains(message), "\(error.message)")
        }
    }
}
