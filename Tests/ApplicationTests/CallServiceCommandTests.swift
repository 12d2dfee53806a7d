import Application
import AsteriskARI
import Domain
import Media
import Testing
import TestSupport

/// Operators' commands to live calls through `CallService`, on the in-memory telephony and media.
@Suite("CallService: operator commands")
struct CallServiceCommandTests {
    /// The id of the call on `channel` once it is stored.
    func callID(_ harness: CallServiceHarness) async throws -> CallID {
        let started = try #require(await harness.published(.callStarted).first)
        return started.callID
    }

    /// Places a call and waits for its greeting to have played; its channel and id.
    func greetedCall(_ harness: CallServiceHarness) async throws -> (ChannelID, CallID) {
        let channel = await harness.telephony.placeCall()
        let session = try await harness.session()
        await harness.playbacks(session, finished: 1)
        return (channel, try await callID(harness))
    }

    @Test func anOperatorLineCutsTheGreetingWhenAskedAndIsLogged() async throws {
        let harness = CallServiceHarness(holdsPlayback: true)
        try await harness.running {
            _ = await harness.telephony.placeCall()
            let session = try await harness.session()
            let id = try await callID(harness)
            #expect(await eventually { await session.playbacks.count == 1 }, "the greeting never started")
            try await harness.service.perform(.say("Please hold the line.", interrupt: true), on: id, tenant: "acme")
            // The line's playback starts once the greeting was cut (the command is taken asynchronously).
            #expect(await eventually { await session.playbacks.count == 2 })
            await session.releasePlayback()
            let playbacks = await harness.playbacks(session, finished: 2)
            if case .interrupted = playbacks[0].outcome {} else { Issue.record("the greeting was not cut: \(playbacks[0].outcome)") }
            #expect(playbacks[1].frames == "Please hold the line.".count)
            #expect(harness.service.conversation(of: id)?.turns.contains { $0.speaker == .system && $0.text == "Please hold the line." } == true)
        }
    }

    @Test func aLineWithoutInterruptWaitsForTheGreeting() async throws {
        let harness = CallServiceHarness(holdsPlayback: true)
        try await harness.running {
            _ = await harness.telephony.placeCall()
            let session = try await harness.session()
            let id = try await callID(harness)
            #expect(await eventually { await session.playbacks.count == 1 })
            try await harness.service.perform(.say("One moment.", interrupt: false), on: id, tenant: "acme")
            await session.releasePlayback()
            let playbacks = await harness.playbacks(session, finished: 2)
            #expect(playbacks.map(\.frames) == [Lines.greeting, "One moment.".count])
            #expect(playbacks[0].outcome == .completed(sent: .milliseconds(20 * Lines.greeting)))
        }
    }

    @Test func hangUpEndsTheCallAsTheGatewaysHangup() async throws {
        let harness = CallServiceHarness()
        try await harness.running {
            let (channel, id) = try await greetedCall(harness)
            try await harness.service.perform(.hangUp, on: id, tenant: "acme")
            let ended = try #require(await harness.published(.callEnded).first)
            #expect(ended.string("reason") == "gateway_hangup")
            #expect(await Array(harness.telephony.hungUp.keys) == [channel])
            await harness.expectNothingLeft()
            // Over now: a second command finds it ended.
            await #expect(throws: CallCommandError.notLive) { try await harness.service.perform(.hangUp, on: id, tenant: "acme") }
        }
    }

    @Test func transferToAQueueAndDTMFGoThroughTelephony() async throws {
        let harness = CallServiceHarness()
        try await harness.running {
            let (channel, id) = try await greetedCall(harness)
            try await harness.service.sendDTMF("12#", to: id, tenant: "acme")
            #expect(await harness.telephony.sentDTMF.map(\.digits) == ["12#"])
            try await harness.service.perform(.transfer(TransferRequest(target: .queue("billing"), origin: .operator)), on: id, tenant: "acme")
            let ended = try #require(await harness.published(.callEnded).first)
            #expect(ended.string("reason") == "transferred")
            #expect(await harness.telephony.transfers.map(\.channel) == [channel])
            #expect(await harness.telephony.transfers.first?.target == .queue("billing"))
        }
    }

    @Test func externalNumbersOnlyWhenAllowedAndOtherTenantsSeeNothing() async throws {
        let harness = CallServiceHarness { $0.allowedDestinations = try! DestinationPolicy(patterns: ["+1555*", "+442071234567"]) }
        try await harness.running {
            let (_, id) = try await greetedCall(harness)
            let premium = try PhoneNumber("+19005551234")
            await #expect(throws: CallCommandError.destinationNotAllowed(premium)) {
                try await harness.service.perform(.transfer(TransferRequest(target: .external(premium), origin: .operator)), on: id, tenant: "acme")
            }
            await #expect(throws: CallCommandError.notFound) { try await harness.service.perform(.hangUp, on: id, tenant: "globex") }
            await #expect(throws: CallCommandError.notFound) { try await harness.service.sendDTMF("1", to: id, tenant: "globex") }
            await #expect(throws: CallCommandError.notFound) { try await harness.service.perform(.hangUp, on: "no-such-call", tenant: "acme") }
            try await harness.service.perform(.transfer(TransferRequest(target: .external(try PhoneNumber("+15551234567")), origin: .operator)), on: id, tenant: "acme")
            #expect(try #require(await harness.published(.callEnded).first).string("reason") == "transferred")
        }
        #expect(try DestinationPolicy(patterns: ["+442071234567"]).allows(PhoneNumber("+442071234567")))
        #expect(try !DestinationPolicy(patterns: ["+442071234567"]).allows(PhoneNumber("+4420712345678")))
        #expect(throws: PhoneNumber.Invalid.self) { try DestinationPolicy(patterns: ["1555*"]) }
        #expect(throws: PhoneNumber.Invalid.self) { try DestinationPolicy(patterns: ["+*"]) }
    }

    @Test func aTenantsOwnDestinationsReplaceTheDaemons() async throws {
        var acme = StaticDirectory.tenant
        acme.allowedDestinations = try DestinationPolicy(patterns: ["+4420*"])
        let harness = CallServiceHarness(tenant: acme) { $0.allowedDestinations = try! DestinationPolicy(patterns: ["+1555*"]) }
        try await harness.running {
            let (_, id) = try await greetedCall(harness)
            let daemonsOnly = try PhoneNumber("+15551234567")
            await #expect(throws: CallCommandError.destinationNotAllowed(daemonsOnly)) {
                try await harness.service.perform(.transfer(TransferRequest(target: .external(daemonsOnly), origin: .operator)), on: id, tenant: "acme")
            }
            try await harness.service.perform(.transfer(TransferRequest(target: .external(try PhoneNumber("+442071234567")), origin: .operator)), on: id, tenant: "acme")
            #expect(try #require(await harness.published(.callEnded).first).string("reason") == "transferred")
        }
    }
}
