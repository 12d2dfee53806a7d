import Application
import Domain
import Testing
import TestSupport

/// The live feed behind `GET /v1/events`.
@Suite("Call feed")
struct CallFeedTests {
    static let clock = TestClock()

    static func call(_ id: CallID, tenant: TenantID) -> Call {
        Call(id: id, tenantID: tenant, channelID: "ch", conversationID: "conv", direction: .inbound, callerNumber: "+15550000001",
             calleeNumber: "100", instanceID: "i", createdAt: clock.now())
    }

    @Test func aSubscriberGetsItsTenantsStateChangesAndLinesOnly() async throws {
        let feed = CallFeed()
        let acme = try #require(feed.subscribe(tenant: "acme"))
        var call = Self.call("c1", tenant: "acme")
        feed.callChanged(call)
        feed.callChanged(call)  // no change: not sent again
        feed.callChanged(Self.call("c2", tenant: "globex"))
        feed.line(HistoryLine(speaker: .agent, text: "Hello", at: Self.clock.now()), of: "c1", tenant: "acme")
        feed.line(HistoryLine(speaker: .agent, text: "Other", at: Self.clock.now()), of: "c2", tenant: "globex")
        _ = try call.answer(at: Self.clock.now())
        feed.callChanged(call)
        feed.finish()
        var seen: [String] = []
        for await item in acme {
            switch item {
            case .call(let c): seen.append("\(c.id) \(c.state)")
            case .line(let id, _, let line): seen.append("\(id) \(line.text)")
            }
        }
        #expect(seen == ["c1 ringing", "c1 Hello", "c1 answered"])
        #expect(feed.subscribe(tenant: "acme") == nil, "a finished feed takes no subscriber")
    }

    @Test func subscribersPerTenantAreCappedAndLeavingFreesASlot() throws {
        let feed = CallFeed(buffer: 4, maxPerTenant: 2)
        var first: AsyncStream<CallFeedItem>? = try #require(feed.subscribe(tenant: "acme"))
        let second = try #require(feed.subscribe(tenant: "acme"))
        #expect(feed.subscribe(tenant: "acme") == nil)
        #expect(feed.subscribe(tenant: "globex") != nil)
        _ = second
        first = nil
        #expect(first == nil)
        #expect(feed.subscribe(tenant: "acme") != nil, "a dropped stream gave its slot back")
    }

    @Test func aSlowSubscriberKeepsTheNewestItems() async throws {
        let feed = CallFeed(buffer: 2, maxPerTenant: 1)
        let stream = try #require(feed.subscribe(tenant: "acme"))
        for n in 0..<5 { feed.line(HistoryLine(speaker: .caller, text: "\(n)", at: Self.clock.now()), of: "c1", tenant: "acme") }
        feed.finish()
        var texts: [String] = []
        for await case .line(_, _, let line) in stream { texts.append(line.text) }
        #expect(texts == ["3", "4"])
    }
}
