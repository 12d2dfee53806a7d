import Application
import AsteriskARI
import Domain
import Media
import Testing
import TestSupport

/// Transfers through the call service with the in-memory Asterisk: a failed blind transfer and an
/// unanswered warm one bring the caller back to the agent; an answered warm one rings, briefs the
/// human, bridges and leaves, and the bridge is torn down when a party hangs up.
@Suite("CallService: transfers")
struct CallServiceTransferTests {
    static let transfer = TransferSettings()

    @Test func aRefusedBlindTransferBringsTheCallerBackToTheAgent() async throws {
        let harness = CallServiceHarness()
        try await harness.running {
            await harness.telephony.setRefuseTransfers(true)
            let channel = await harness.telephony.placeCall()
            let session = try await harness.session()
            await harness.playbacks(session, finished: 1)
            await harness.telephony.pressDigit("0", on: channel)
            // "Transferring.", then the way back.
            let playbacks = await harness.playbacks(session, finished: 3)
            #expect(playbacks.map(\.frames) == [Lines.greeting, Lines.transferring, Self.transfer.failedLine.count])
            let transferred = try #require(await harness.published(.callTransferred).first)
            #expect(transferred.string("outcome") == "failed" && transferred.string("kind") == "blind")
            #expect(await harness.telephony.hungUp.isEmpty, "never a hangup")
            let call = try #require(try await harness.repository.get(transferred.callID))
            #expect(call.state == .active && call.transferTarget == nil)

            // The agent goes on: a key is answered again.
            await harness.telephony.pressDigit("5", on: channel)
            #expect(await harness.playbacks(session, finished: 4).count == 4)
            await harness.telephony.hangUpCaller(channel)
            #expect(try #require(await harness.published(.callEnded).first).string("reason") == "caller_hangup")
        }
    }

    @Test func anUnansweredWarmTransferBringsTheCallerBackWithALine() async throws {
        let harness = CallServiceHarness { $0.transfer.mode = .warm }
        try await harness.running {
            let channel = await harness.telephony.placeCall()
            let session = try await harness.session()
            await harness.playbacks(session, finished: 1)
            await harness.telephony.pressDigit("0", on: channel)
            #expect(await eventually { await harness.telephony.originated.count == 1 }, "the target was never rung")
            let leg = try #require(await harness.telephony.originated.first)
            #expect(leg.endpoint == "Local/support@voicegw-transfer" && leg.arguments.first == "transfer")
            #expect(leg.callerID == "+15551230000", "the human sees who calls")
            await harness.telephony.failOriginated(leg.channelID, cause: 19, dialStatus: "RINGING")

            let playbacks = await harness.playbacks(session, finished: 4)
            #expect(playbacks.map(\.frames) == [Lines.greeting, Lines.transferring, Self.transfer.holdLine.count, Self.transfer.noAnswerLine.count])
            let transferred = try #require(await harness.published(.callTransferred).first)
            #expect(transferred.string("outcome") == "no_answer" && transferred.string("kind") == "warm")
            #expect(try await harness.repository.get(transferred.callID)?.state == .active)
            #expect(await harness.telephony.bridges.count == 1, "the caller keeps the agent's media")
            await harness.telephony.hangUpCaller(channel)
            _ = await harness.published(.callEnded)
            await harness.expectNothingLeft()
        }
    }

    @Test func anAnsweredWarmTransferBriefsTheHumanBridgesAndLeaves() async throws {
        let harness = CallServiceHarness { $0.transfer.mode = .warm }
        try await harness.running {
            let channel = await harness.telephony.placeCall()
            let session = try await harness.session()
            await harness.playbacks(session, finished: 1)
            await harness.telephony.pressDigit("0", on: channel)
            #expect(await eventually { await harness.telephony.originated.count == 1 })
            let leg = try #require(await harness.telephony.originated.first).channelID
            #expect(await harness.telephony.answerOriginated(leg))

            // The human hears the summary on a media session of their own, then the two are bridged.
            let briefing = try await harness.session(1)
            #expect(await harness.playbacks(briefing, finished: 1).count == 1)
            let ended = try #require(await harness.published(.callEnded).first)
            #expect(ended.string("reason") == "transferred")
            let bridge = BridgeID("voicegw-x-\(ended.callID)")
            #expect(await harness.telephony.bridges[bridge].map(Set.init) == [channel, leg])
            #expect(await harness.telephony.bridges.count == 1, "the agent's media and the briefing's are gone")
            #expect(await harness.telephony.hungUp.isEmpty)
            let types = await harness.events.map(\.type.rawValue).filter { $0.hasPrefix("call.") }
            #expect(types == ["call.started", "call.answered", "call.escalated", "call.transferred", "call.ended"])
            #expect(try #require(await harness.published(.callTransferred).first).string("outcome") == "completed")
            #expect(try await harness.repository.get(ended.callID)?.state == .transferred)

            // The caller hangs up: the human is hung up and the bridge deleted.
            await harness.telephony.hangUpCaller(channel)
            #expect(await eventually { await harness.telephony.hungUp[leg] != nil }, "the target was left alone in the bridge")
            #expect(await eventually { await harness.telephony.bridges.isEmpty })
            await harness.expectNothingLeft()
        }
    }

    @Test func anAgentsTransferToANumberNotAllowedIsRefusedAndTheCallerStays() async throws {
        let harness = CallServiceHarness()  // no allowed_destinations: no external number
        try await harness.running {
            let channel = await harness.telephony.placeCall()
            let session = try await harness.session()
            await harness.playbacks(session, finished: 1)
            await harness.telephony.pressDigit("8", on: channel)
            let playbacks = await harness.playbacks(session, finished: 3)
            #expect(playbacks.map(\.frames) == [Lines.greeting, Lines.transferring, Self.transfer.failedLine.count])
            #expect(await harness.telephony.transfers.isEmpty, "nothing reached Asterisk")
            #expect(await harness.telephony.originated.isEmpty)
            let transferred = try #require(await harness.published(.callTransferred).first)
            #expect(transferred.string("outcome") == "failed" && transferred.string("target") == "external:+19005550100")
            await harness.telephony.hangUpCaller(channel)
            _ = await harness.published(.callEnded)
        }
    }

    @Test func theSummaryForTheHumanIsShortAndRedacted() {
        var conversation = Conversation(id: "v", callID: "c")
        let t = Timestamp(millisecondsSinceEpoch: 0)
        conversation.append(Turn(speaker: .caller, text: "hi", startedAt: t))
        conversation.append(Turn(speaker: .agent, text: "Hello.", startedAt: t))
        conversation.append(Turn(speaker: .caller, text: "my card is 4111 1111 1111 1111", startedAt: t))
        conversation.append(Turn(speaker: .caller, text: "I want a refund", startedAt: t))
        let summary = TransferSummary.text(of: conversation, caller: "+15550001", lines: 2)
        #expect(summary == "Caller +15550001 said: my card is **** **** **** 1111 / I want a refund")
    }
}
