import Application
import Domain
import Testing

@Suite("The daemon's lines per tenant and language")
struct LineBookTests {
    static func lines(_ fallback: String) -> LineBook.Lines {
        var lines = LineBook.Lines()
        lines.agentFallback = fallback
        return lines
    }

    @Test func theMostSpecificEntryWinsLineByLine() {
        var goodbye = LineBook.Lines()
        goodbye.goodbye = "Tschüss, Acme."
        var german = Self.lines("Entschuldigung.")
        german.reprompt = "Wie bitte?"
        let book = LineBook(entries: ["de": german, "acme/de": goodbye, "acme": Self.lines("Acme is sorry."), "fr-CA": Self.lines("Désolé.")])
        func apply(_ tenant: TenantID, _ language: String) -> (ConversationConfiguration, TransferSettings) {
            var conversation = ConversationConfiguration()
            var transfer = TransferSettings()
            book.apply(to: &conversation, &transfer, tenant: tenant, language: language)
            return (conversation, transfer)
        }
        let acme = apply("acme", "de-DE").0
        #expect(acme.goodbyeLine == "Tschüss, Acme." && acme.agentFallbackLine == "Acme is sorry." && acme.repromptLine == "Wie bitte?")
        let other = apply("other", "de-AT").0
        #expect(other.agentFallbackLine == "Entschuldigung." && other.goodbyeLine == ConversationConfiguration().goodbyeLine)
        #expect(apply("other", "fr-CA").0.agentFallbackLine == "Désolé.")
        #expect(apply("other", "fr-FR").0.agentFallbackLine == ConversationConfiguration().agentFallbackLine, "no entry: the daemon's line")
        #expect(apply("other", "en-US").1 == TransferSettings())
    }
}
