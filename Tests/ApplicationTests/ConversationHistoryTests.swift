import Application
import Domain
import Testing
import TestSupport

/// The history a call keeps in its state: redacted lines, keyed digits only counted, bounded.
@Suite("Conversation history in the call state")
struct ConversationHistoryTests {
    let at = Timestamp(millisecondsSinceEpoch: 1_767_225_600_000)

    @Test func everyTurnIsHandedOnRedactedAndDigitsOnlyCounted() async {
        let log = ConversationLog(id: "v", callID: "c")
        log.append(Turn(speaker: .agent, text: "Hello, how can I help you?", startedAt: at))
        log.append(Turn(speaker: .caller, text: "my card is 4111 1111 1111 1111", startedAt: at))
        log.append(Turn(speaker: .caller, text: "", startedAt: at, dtmf: "1234"))
        log.close()
        var lines: [HistoryLine] = []
        for await line in log.lines { lines.append(line) }
        #expect(lines.map(\.speaker) == [.agent, .caller, .caller])
        #expect(lines[0].text == "Hello, how can I help you?")
        #expect(!lines[1].text.contains("4111"), "card numbers never reach the call state: \(lines[1].text)")
        #expect(lines[2].text == "(keyed 4 digits)", "a PIN is not kept")
    }

    @Test func aRestoredHistoryIsShownButNotStoredTwice() async {
        let log = ConversationLog(id: "v", callID: "c")
        log.restore([HistoryLine(speaker: .agent, text: "Hello.", at: at)])
        log.append(Turn(speaker: .system, text: "Sorry, where were we?", startedAt: at))
        log.close()
        var lines: [HistoryLine] = []
        for await line in log.lines { lines.append(line) }
        #expect(lines.map(\.text) == ["Sorry, where were we?"])
        #expect(log.snapshot.transcript == ["agent: Hello.", "system: Sorry, where were we?"])
    }

    @Test func theCallKeepsTheLastLinesOnly() {
        var call = Call(
            id: "c", tenantID: "t", channelID: "ch", conversationID: "v", direction: .inbound, callerNumber: "1", calleeNumber: "2",
            instanceID: "i", createdAt: at)
        #expect(call.history == nil)
        for n in 0..<(HistoryLine.limit + 5) { call.remember(HistoryLine(speaker: .caller, text: "line \(n)", at: at)) }
        #expect(call.history?.count == HistoryLine.limit)
        #expect(call.history?.first?.text == "line 5" && call.history?.last?.text == "line \(HistoryLine.limit + 4)")
    }
}
