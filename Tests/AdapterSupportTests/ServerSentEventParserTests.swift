import AdapterSupport
import Domain
import Testing

@Suite("Server-sent events parser")
struct ServerSentEventParserTests {
    @Test func eventsCutAnywhereComeOutWhole() throws {
        let text = ": keep-alive\r\nevent: delta\r\ndata: {\"a\":\r\ndata: 1}\r\nid: 7\r\n\r\ndata: é\n\ndata:no-space\rdata: [DONE]\n\n"
        let bytes = Array(text.utf8)
        let expected = [
            ServerSentEvent(event: "delta", data: "{\"a\":\n1}", id: "7"), ServerSentEvent(data: "é", id: "7"),
            ServerSentEvent(data: "no-space\n[DONE]", id: "7"),
        ]
        for cut in 1..<bytes.count {
            var parser = ServerSentEventParser()
            let events = try parser.feed(bytes[..<cut]) + parser.feed(bytes[cut...])
            #expect(events == expected, "cut at \(cut)")
        }
    }

    @Test func theLastEventWithoutItsBlankLineAndOverlongLines() throws {
        var parser = ServerSentEventParser(maxLineBytes: 16)
        #expect(try parser.feed(Array("data: tail".utf8)).isEmpty)
        #expect(parser.finish() == ServerSentEvent(data: "tail"))
        #expect(parser.finish() == nil)
        #expect(throws: ServerSentEventParser.LineTooLong.self) { try parser.feed(Array(repeating: UInt8(ascii: "x"), count: 17)) }
    }

    @Test(arguments: [(UInt(408), ProviderError.Kind.timeout), (504, .timeout), (401, .auth), (403, .auth), (429, .rateLimited), (503, .server), (404, .badRequest), (302, .badResponse)])
    func oneClassificationOfStatuses(status: UInt, kind: ProviderError.Kind) {
        #expect(HTTPFailure.classify(status: status, body: "x", provider: "p").kind == kind)
    }
}
