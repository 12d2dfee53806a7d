import AsyncHTTPClient
import Domain
import Foundation
import ManagementAPI
import NIOCore
import Synchronization
import Testing
import TestSupport

@testable import VoiceGatewayd

/// `GET /v1/events` over real HTTP: a tenant's stream shows its call's state changes and lines as they
/// happen, another tenant's shows nothing of it, and open streams never hold up the daemon's shutdown.
@Suite("Event stream end to end", .serialized)
struct EventStreamEndToEndTests {
    /// Reads a Server-Sent Events response into `text` until it ends.
    final class TextBuffer: Sendable {
        let text = Mutex("")
    }

    final class StreamReader: Sendable {
        let buffer = TextBuffer()
        let status: UInt
        let contentType: String
        private let task: Task<Void, Never>

        init(_ harness: DaemonHarness, token: String) async throws {
            var request = HTTPClientRequest(url: harness.baseURL + "/v1/events")
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
            status = response.status.code
            contentType = response.headers.first(name: "Content-Type") ?? ""
            let buffer = self.buffer
            task = Task {
                do {
                    for try await chunk in response.body { buffer.text.withLock { $0 += String(buffer: chunk) } }
                } catch {}
                buffer.text.withLock { $0 += "\n<end>" }
            }
        }

        var value: String { buffer.text.withLock { $0 } }
        func ended() async -> Bool { await eventually { value.hasSuffix("<end>") } }
        func cancel() { task.cancel() }
    }

    @Test func aCallsStatesAndLinesStreamToItsTenantOnly() async throws {
        let harness = try await DaemonHarness.start(environment: ["VOICEGW_HTTP_AUTH_HS256_SECRET": OperatorAPIEndToEndTests.secret])
        #expect(try await eventually { try await harness.get("/ready").status == 200 })
        let mine = try await StreamReader(harness, token: try await OperatorAPIEndToEndTests.token())
        let theirs = try await StreamReader(harness, token: try await OperatorAPIEndToEndTests.token(tenant: "other"))
        #expect(mine.status == 200 && mine.contentType == "text/event-stream")
        #expect(await eventually { mine.value.contains("retry: 3000") && theirs.value.contains("retry: 3000") })

        let channel = harness.fake.placeCall()
        #expect(await eventually { mine.value.contains(#""state":"active""#) }, "no active state: \(mine.value)")
        #expect(mine.value.contains("event: call\ndata: {") && mine.value.contains(#""state":"ringing""#))
        #expect(await eventually { mine.value.contains("event: line") && mine.value.contains(#""speaker":"agent""#) }, "no greeting line")
        harness.fake.hangupCaller(channel)
        #expect(await eventually { mine.value.contains(#""state":"ended""#) })
        #expect(!theirs.value.contains("event:"), "another tenant saw the call: \(theirs.value)")

        // Streams still open when the daemon stops end with it.
        try await harness.stop()
        let mineEnded = await mine.ended()
        let theirsEnded = await theirs.ended()
        #expect(mineEnded && theirsEnded)
    }

    @Test func withoutReadScopeOrTokenThereIsNoStream() async throws {
        let harness = try await DaemonHarness.start(environment: ["VOICEGW_HTTP_AUTH_HS256_SECRET": OperatorAPIEndToEndTests.secret])
        #expect(try await harness.get("/v1/events").status == 401)
        #expect(try await harness.get("/v1/events", token: try await OperatorAPIEndToEndTests.token(scope: [.callsWrite])).status == 403)
        #expect(try await harness.get("/v1/events?since=0", token: try await OperatorAPIEndToEndTests.token()).status == 400)
        try await harness.stop()
    }
}
