import AdapterSupport
import AsyncHTTPClient
import Domain
import Logging
import Testing
import TestSupport

/// The body deadline of vendor answers runs on the injected clock: a body that stalls after the head is a
/// timeout exactly when the clock says so, with no wall-clock wait.
@Suite("Vendor HTTP deadlines")
struct VendorHTTPDeadlineTests {
    @Test func aBodyThatStallsAfterTheHeadTimesOutOnTheClock() async throws {
        let server = try await FakeVendorServer { _ in
            FakeVendorServer.Response(contentType: "audio/pcm", chunks: [[1, 2, 3, 4]], delay: .seconds(60))
        }
        let clock = TestClock()
        let http = VendorHTTP(client: .vendors, provider: "fake", timeout: .seconds(5), logger: Logger(label: "test"), clock: clock)
        let response = try await http.send(.make(server.baseURL + "/stall", method: .GET, headers: []))
        async let body = http.body(of: response)
        #expect(await clock.waitForSleepers(1, timeout: .seconds(30)))
        _ = clock.advance(by: .seconds(4))
        #expect(clock.sleeperCount == 1, "not yet: 4 of 5 seconds")
        _ = clock.advance(by: .seconds(1))
        do {
            _ = try await body
            Issue.record("the stalled body should time out")
        } catch {
            #expect((error as? ProviderError)?.kind == .timeout)
        }
        await server.close()
    }
}
