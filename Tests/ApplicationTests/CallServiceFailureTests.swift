import Application
import AsteriskARI
import Domain
import Logging
import Media
import ServiceLifecycle
import Synchronization
import Testing
import TestSupport

/// Calls `CallService` does not take, cannot set up, or has to end because it is stopping.
@Suite("CallService: refusals, failures, shutdown")
struct CallServiceFailureTests {
    @Test func mediaThatCannotConnectEndsTheCallWithAnErrorAndLeavesNothing() async throws {
        let harness = CallServiceHarness()
        await harness.media.failConnects(with: ProviderError(.network, provider: "media", "peer unreachable"))
        try await harness.running {
            let channel = await harness.telephony.placeCall()
            let ended = try #require(await harness.published(.callEnded).first)
            #expect(ended.string("reason") == "error")
            #expect(ended.string("error")?.contains("peer unreachable") == true, "\(ended.data)")
            // The session was offered to the call once, then closed; the caller was hung up.
            let session = try await harness.session()
            #expect(await session.connections.count == 1)
            #expect(await session.isClosed)
            #expect(await session.playbacks.isEmpty)
            #expect(await harness.telephony.answered == [channel])
            #expect(await harness.telephony.hungUp == [channel: .normal])
            await harness.expectNothingLeft()
            #expect(await harness.events.map(\.type.rawValue) == ["call.started", "call.answered", "call.ended"])
            #expect(try await harness.repository.get(ended.callID)?.endReason == .error)
        }
    }

    @Test func aCallBeyondTheLimitIsRefusedWithoutBeingAnswered() async throws {
        let harness = CallServiceHarness { $0.maxConcurrentCalls = 1 }
        try await harness.running {
            let first = await harness.telephony.placeCall(caller: "+15550000001")
            let session = try await harness.session()
            await harness.playbacks(session, finished: 1)

            let second = await harness.telephony.placeCall(caller: "+15550000002")
            // Refused: sent back to the dialplan as over capacity (or, where that is not possible, hung up
            // with congestion), never answered, no call of its own.
            let refused = await eventually {
                let returned = await harness.telephony.returnedToDialplan[second]
                let hungUp = await harness.telephony.hungUp[second]
                return returned != nil || hungUp != nil
            }
            #expect(refused, "the second call was not refused")
            let returned = await harness.telephony.returnedToDialplan[second]
            let hungUp = await harness.telephony.hungUp[second]
            #expect(returned == "capacity" || hungUp == .congestion, "returned: \(returned ?? "-"), hung up: \(String(describing: hungUp))")
            #expect(await harness.telephony.answered == [first])
            #expect(await harness.telephony.channels[second] == nil)
            #expect(await harness.media.sessions.count == 1)

            // The first call is unaffected and ends normally; it was the only call.
            await harness.telephony.hangUpCaller(first)
            let ended = try #require(await harness.published(.callEnded).first)
            #expect(ended.string("reason") == "caller_hangup")
            #expect(await harness.events.filter { $0.type == .callStarted }.count == 1)
            await harness.expectNothingLeft()
        }
    }

    @Test func aNumberNoTenantOwnsIsRefused() async throws {
        let harness = CallServiceHarness()
        try await harness.running {
            let channel = await harness.telephony.placeCall(extension: "999")
            let refused = await eventually { await harness.telephony.channels[channel] == nil }
            #expect(refused, "the call to an unknown number is still there")
            #expect(await harness.telephony.answered.isEmpty)
            #expect(await harness.media.sessions.isEmpty)
            #expect(await harness.events.isEmpty)
        }
    }

    /// Kept minimal while the drain is being reworked: a graceful shutdown ends the live call and the
    /// service returns (the clock is moved on until it does, whatever grace period applies).
    @Test func gracefulShutdownEndsLiveCallsAndReturns() async throws {
        let harness = CallServiceHarness()
        let group = ServiceGroup(services: [harness.service], logger: Logger(label: "call-service-shutdown-test"))
        let finished = Mutex(false)
        let run = Task {
            defer { finished.withLock { $0 = true } }
            try await group.run()
        }
        defer { run.cancel() }
        let channel = await harness.telephony.placeCall()
        let session = try await harness.session()
        await harness.playbacks(session, finished: 1)

        await group.triggerGracefulShutdown()
        let returned = await eventually {
            // The clock is what a grace period waits on: move it until the service is done.
            harness.clock.advance(by: .seconds(1))
            return finished.withLock { $0 }
        }
        #expect(returned, "the service did not return after a graceful shutdown")
        if returned { try await run.value }
        let ended = await harness.published(.callEnded)
        #expect(ended.count == 1)
        #expect(await harness.telephony.channels[channel] == nil)
        await harness.expectNothingLeft()
    }
}
