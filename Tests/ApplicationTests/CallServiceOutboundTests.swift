import Application
import AsteriskARI
import Domain
import Media
import Testing
import TestSupport

/// Outbound calls through `CallService.originate`, on the in-memory telephony: each way a dial ends,
/// the conversation once answered, and every refusal before Asterisk hears of the call.
@Suite("CallService: outbound calls")
struct CallServiceOutboundTests {
    static let callee = try! PhoneNumber("+15557654321")

    /// Places a call once the service runs (it refuses with `unavailable` before).
    func place(_ harness: CallServiceHarness, _ request: OutboundCallRequest = OutboundCallRequest(to: callee)) async throws -> OriginatedCall {
        var placed: OriginatedCall?
        _ = await eventually {
            do throws(OriginateError) {
                placed = try await harness.service.originate(request, tenant: "acme")
                return true
            } catch .unavailable("not_running") {
                return false
            } catch {
                Issue.record("originate refused: \(error)")
                return true
            }
        }
        return try #require(placed)
    }

    func allowingUS(_ configuration: inout CallServiceConfiguration) {
        configuration.allowedDestinations = try! DestinationPolicy(patterns: ["+1555*"])
    }

    @Test func anAnsweredCallWaitsForTheCalleeThenTheAgentOpens() async throws {
        let harness = CallServiceHarness(answers: ["Hello?"]) {
            allowingUS(&$0)
            $0.outbound.dialTemplate = try! DialTemplate("PJSIP/{to_digits}@carrier")
        }
        try await harness.running {
            var request = OutboundCallRequest(to: Self.callee, from: try PhoneNumber("+15550001111"), variables: ["order": "A-17"])
            request.timeout = .seconds(20)
            let placed = try await place(harness, request)
            #expect(placed.state == .ringing && !placed.replayed)
            let originated = try #require(await harness.telephony.originated.first)
            #expect(originated.endpoint == "PJSIP/15557654321@carrier")
            #expect(originated.callerID == "+15550001111")
            #expect(originated.timeout == .seconds(20))
            #expect(originated.arguments == ["outbound", placed.callID.rawValue])
            let ringing = try #require(try await harness.repository.get(placed.callID))
            #expect(ringing.state == .ringing && ringing.direction == .outbound && ringing.variables == ["order": "A-17"])

            #expect(await harness.telephony.answerOriginated(originated.channelID))
            let session = try await harness.session()
            #expect(await harness.published(.callAnswered).count == 1)
            // The callee says hello: then, and only then, the agent's opening.
            #expect(await session.playbacks.isEmpty)
            await harness.speak(into: session)
            await harness.playbacks(session, finished: 1)
            #expect(await session.playbacks.first?.frames == Lines.greeting)
            let started = try #require(await harness.published(.callStarted).first)
            #expect(started.string("direction") == "outbound")
            #expect(started.string("callee_number") == "+15557654321")
            #expect(try await harness.repository.get(placed.callID)?.state == .active)

            try await harness.service.perform(.hangUp, on: placed.callID, tenant: "acme")
            #expect(try #require(await harness.published(.callEnded).first).string("reason") == "gateway_hangup")
            await harness.expectNothingLeft()
        }
    }

    @Test func aSilentCalleeHearsTheOpeningAfterTheWait() async throws {
        let harness = CallServiceHarness { allowingUS(&$0); $0.outbound.calleeWait = .seconds(2) }
        try await harness.running {
            let placed = try await place(harness)
            #expect(await harness.telephony.answerOriginated(ChannelID("voicegw-o-\(placed.callID)")))
            let session = try await harness.session()
            _ = await harness.published(.callAnswered)
            // Tick by tick (the reconcile loop and the conversation's tick both asleep before each step, so
            // no step passes unseen) until the opening starts; the machine's tests pin the 2 s exactly.
            var steps = 0
            while await session.playbacks.isEmpty, steps < 200 {
                #expect(await harness.clock.waitForSleepers(2))
                harness.clock.advance(by: .milliseconds(100))
                steps += 1
            }
            #expect(steps >= 20, "the opening came after \(steps * 100) ms of silence")
            await harness.playbacks(session, finished: 1)
            #expect(await session.playbacks.first?.frames == Lines.greeting)
        }
    }

    @Test(arguments: [
        (0, "BUSY", "busy"), (19, "RINGING", "no_answer"), (21, "NOANSWER", "busy"), (0, "CONGESTION", "dial_failed"), (0, nil, "dial_failed"),
    ] as [(Int, String?, String)])
    func aDialThatEndsUnansweredEndsTheCallWithItsReason(cause: Int, status: String?, reason: String) async throws {
        let harness = CallServiceHarness(configure: allowingUS)
        try await harness.running {
            let placed = try await place(harness)
            #expect(await harness.telephony.failOriginated(ChannelID("voicegw-o-\(placed.callID)"), cause: cause, dialStatus: status))
            let ended = try #require(await harness.published(.callEnded).first)
            #expect(ended.string("reason") == reason)
            #expect(ended.data["hangup_cause"] == .int(Int64(cause)))
            let stored = try #require(try await harness.repository.get(placed.callID))
            #expect(stored.state == .ended && stored.endReason?.rawValue == reason)
            #expect(await harness.media.sessions.isEmpty, "no media for an unanswered call")
            await harness.expectNothingLeft()
        }
    }

    @Test func anOperatorCancelsARingingCall() async throws {
        let harness = CallServiceHarness(configure: allowingUS)
        try await harness.running {
            let placed = try await place(harness)
            await #expect(throws: CallCommandError.notAnswered) { try await harness.service.perform(.say("Hi", interrupt: false), on: placed.callID, tenant: "acme") }
            await #expect(throws: CallCommandError.notAnswered) { try await harness.service.sendDTMF("1", to: placed.callID, tenant: "acme") }
            try await harness.service.perform(.hangUp, on: placed.callID, tenant: "acme")
            #expect(try #require(await harness.published(.callEnded).first).string("reason") == "canceled")
            #expect(await harness.telephony.hungUp[ChannelID("voicegw-o-\(placed.callID)")] != nil)
            await harness.expectNothingLeft()
        }
    }

    @Test func silenceFromAsteriskPastTheTimeoutHangsUpAsNoAnswer() async throws {
        let harness = CallServiceHarness { allowingUS(&$0); $0.outbound.outcomeGrace = .seconds(5) }
        try await harness.running {
            var request = OutboundCallRequest(to: Self.callee)
            request.timeout = .seconds(10)
            let placed = try await place(harness, request)
            #expect(await harness.clock.waitForSleepers(2))  // the reconcile loop and the dial's guard
            harness.clock.advance(by: .seconds(15))
            #expect(try #require(await harness.published(.callEnded).first).string("reason") == "no_answer")
            #expect(await harness.telephony.hungUp[ChannelID("voicegw-o-\(placed.callID)")] != nil)
        }
    }

    @Test func refusalsComeBeforeAsteriskHearsOfTheCall() async throws {
        var acme = StaticDirectory.tenant
        acme.maxConcurrentCalls = 1
        let harness = CallServiceHarness(tenant: acme, configure: allowingUS)
        try await harness.running {
            let premium = try PhoneNumber("+19005550000")
            _ = try await place(harness)
            await #expect(throws: OriginateError.destinationNotAllowed(premium)) {
                try await harness.service.originate(OutboundCallRequest(to: premium), tenant: "acme")
            }
            await #expect(throws: OriginateError.tenantLimit(1)) {
                try await harness.service.originate(OutboundCallRequest(to: Self.callee), tenant: "acme")
            }
            #expect(await harness.telephony.originated.count == 1)
        }
    }

    @Test func theSameIdempotencyKeyGetsTheSameCall() async throws {
        let harness = CallServiceHarness(configure: allowingUS)
        try await harness.running {
            var request = OutboundCallRequest(to: Self.callee, idempotencyKey: "retry-1")
            let first = try await place(harness, request)
            let again = try await harness.service.originate(request, tenant: "acme")
            #expect(again == OriginatedCall(callID: first.callID, state: .ringing, replayed: true))
            // Another tenant's identical key is its own.
            await #expect(throws: OriginateError.destinationNotAllowed(try PhoneNumber("+19005550000"))) {
                try await harness.service.originate(OutboundCallRequest(to: try PhoneNumber("+19005550000"), idempotencyKey: "retry-1"), tenant: "globex")
            }
            request.variables = ["changed": "yes"]
            await #expect(throws: OriginateError.idempotencyConflict) { try await harness.service.originate(request, tenant: "acme") }
            #expect(await harness.telephony.originated.count == 1)
        }
    }

    @Test func anOriginateAsteriskRefusesEndsTheCallAsDialFailed() async throws {
        let harness = CallServiceHarness(configure: allowingUS)
        try await harness.running {
            let placed = try await place(harness)
            // The same channel id again: ARI's 409.
            await harness.telephony.failNextOriginate()
            do throws(OriginateError) {
                _ = try await harness.service.originate(OutboundCallRequest(to: Self.callee), tenant: "acme")
                Issue.record("a refused originate was accepted")
            } catch {
                guard case .telephony = error else { Issue.record("\(error)"); return }
            }
            let ended = try #require(await harness.published(.callEnded).first)
            #expect(ended.string("reason") == "dial_failed")
            #expect(ended.callID != placed.callID)
        }
    }
}

/// Answering-machine screening of answered outbound calls, on the in-memory media.
@Suite("CallService: answering machines")
struct CallServiceMachineTests {
    func answered(_ harness: CallServiceHarness) async throws -> (CallID, InMemoryMediaSession) {
        let placed = try await CallServiceOutboundTests().place(harness)
        #expect(await harness.telephony.answerOriginated(ChannelID("voicegw-o-\(placed.callID)")))
        return (placed.callID, try await harness.session())
    }

    /// A machine's greeting: words of 400 ms with short pauses, on and on (a steady tone would become the
    /// voice detector's noise floor; speech never does).
    static func greeting(words: Int) -> [AudioFrame] {
        (0..<words).flatMap { _ in Frames.voiced(20) + Frames.silence(3) }
    }

    func screening(_ handling: MachineHandling) -> (inout CallServiceConfiguration) -> Void {
        { configuration in
            configuration.allowedDestinations = try! DestinationPolicy(patterns: ["+1555*"])
            configuration.outbound.machineDetection = handling
            configuration.outbound.machineMessage = "Please call back."
        }
    }

    @Test func aMachineIsHungUpOn() async throws {
        let harness = CallServiceHarness(configure: screening(.hangUp))
        try await harness.running {
            let (id, session) = try await answered(harness)
            await session.push(Self.greeting(words: 8))  // "Hi, you've reached..." on and on
            let ended = try #require(await harness.published(.callEnded).first)
            #expect(ended.string("reason") == "answering_machine")
            #expect(ended.data["left_message"] == .bool(false))
            #expect(await session.playbacks.isEmpty, "nothing was said to the machine")
            #expect(try await harness.repository.get(id)?.metadata["amd"]?.hasPrefix("machine:") == true)
            await harness.expectNothingLeft()
        }
    }

    @Test func aMachineGetsTheMessageAfterItsGreetingAndBeep() async throws {
        let harness = CallServiceHarness(configure: screening(.leaveMessage))
        try await harness.running {
            let (id, session) = try await answered(harness)
            await session.push(Self.greeting(words: 12) + Frames.silence(20) + Frames.voiced(10))  // greeting, pause, beep
            #expect(await session.playbacks.isEmpty, "the message started before the greeting was over")
            await session.push(Frames.silence(60))
            let ended = try #require(await harness.published(.callEnded).first)
            #expect(ended.string("reason") == "answering_machine")
            #expect(ended.data["left_message"] == .bool(true))
            #expect(await session.playbacks.map(\.frames) == ["Please call back.".count])
            #expect(try await harness.repository.get(id)?.history?.last?.text == "Please call back.")
        }
    }

    @Test func aPersonsHelloBringsTheOpeningAtOnce() async throws {
        let harness = CallServiceHarness(configure: screening(.hangUp))
        try await harness.running {
            let (id, session) = try await answered(harness)
            await session.push(Frames.voiced(25) + Frames.silence(45))  // "Hello?" and waiting
            await harness.playbacks(session, finished: 1)
            #expect(await session.playbacks.first?.frames == Lines.greeting)
            #expect(try await harness.repository.get(id)?.metadata["amd"] == "human:HUMAN-1")
            #expect(await harness.events.allSatisfy { $0.type != .callEnded })
        }
    }
}
