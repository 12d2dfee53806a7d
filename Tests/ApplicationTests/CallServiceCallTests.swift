import Application
import AsteriskARI
import Domain
import Media
import Testing
import TestSupport

/// Whole calls through `CallService` with in-memory telephony and media: how each one starts, talks and
/// ends, what it publishes, and that it leaves nothing behind.
@Suite("CallService: calls")
struct CallServiceCallTests {
    @Test func answersGreetsRepliesAndEndsOnCallerHangup() async throws {
        let harness = CallServiceHarness(answers: ["i want to check my balance"])
        try await harness.running {
            let channel = await harness.telephony.placeCall(caller: "+15550001111", extension: "100")
            let session = try await harness.session()
            var playbacks = await harness.playbacks(session, finished: 1)
            #expect(await harness.telephony.answered == [channel])
            // The greeting plays once the session is connected to what startMedia created, bridged with the call.
            let attachment = try #require(await session.connections.first)
            #expect(attachment.callChannel == channel)
            #expect(await harness.telephony.bridges[try #require(attachment.bridge)]?.sorted() == [channel, attachment.mediaChannel].sorted())
            #expect(playbacks[0].outcome == .completed(sent: .milliseconds(20 * Lines.greeting)))
            await harness.published(.ttsGenerated)
            await harness.speak(into: session)
            playbacks = await harness.playbacks(session, finished: 2)
            #expect(playbacks.map(\.frames) == [Lines.greeting, Lines.balance])
            #expect(harness.stt.framesPerUtterance.withLock { $0.count } == 1)

            await harness.telephony.hangUpCaller(channel)
            let ended = try #require(await harness.published(.callEnded).first)
            #expect(ended.string("reason") == "caller_hangup")
            #expect(ended.data["hangup_cause"] == .int(16))
            // The caller hung up: the daemon does not hang up again.
            #expect(await harness.telephony.hungUp.isEmpty)
            await harness.expectNothingLeft()

            let events = await harness.events
            #expect(events.map(\.type.rawValue) == [
                "call.started", "call.answered", "tts.generated", "stt.transcribed", "llm.responded", "tts.generated", "call.ended",
            ])
            #expect(events.map(\.sequence) == Array(1...events.count))
            #expect(Set(events.map(\.callID)).count == 1)
            #expect(events.first { $0.type == .sttTranscribed }?.string("text") == "i want to check my balance")
            #expect(events.first?.string("caller_number") == "+15550001111")
            let stored = try #require(try await harness.repository.get(ended.callID))
            #expect(stored.state == .ended)
            #expect(stored.endReason == .callerHangup)
        }
    }

    @Test func agentHangupSaysGoodbyeThenHangsUp() async throws {
        let harness = CallServiceHarness(answers: ["bye now"])
        try await harness.running {
            let channel = await harness.telephony.placeCall()
            let session = try await harness.session()
            await harness.playbacks(session, finished: 1)
            await harness.speak(into: session)
            let ended = try #require(await harness.published(.callEnded).first)
            #expect(ended.string("reason") == "gateway_hangup")
            // "Goodbye." was played to the end before the channel was hung up.
            let playbacks = await session.playbacks
            #expect(playbacks.map(\.frames) == [Lines.greeting, Lines.goodbye])
            #expect(playbacks.last?.outcome == .completed(sent: .milliseconds(20 * Lines.goodbye)))
            #expect(await harness.telephony.hungUp == [channel: .normal])
            await harness.expectNothingLeft()
        }
    }

    @Test func agentTransferContinuesTheChannelAtTheTarget() async throws {
        let harness = CallServiceHarness()
        try await harness.running {
            let channel = await harness.telephony.placeCall()
            let session = try await harness.session()
            await harness.playbacks(session, finished: 1)
            await harness.published(.ttsGenerated)
            await harness.telephony.pressDigit("0", on: channel)

            let ended = try #require(await harness.published(.callEnded).first)
            #expect(ended.string("reason") == "transferred")
            #expect(ended.string("transfer_target") == "queue:support")
            let transfers = await harness.telephony.transfers
            #expect(transfers == [.init(channel: channel, target: .queue("support"), context: "voicegw-transfer", extensionName: "support")])
            #expect(await harness.telephony.hungUp.isEmpty, "a transferred caller is not hung up")
            let frames = await session.playbacks.map(\.frames)
            #expect(frames == [Lines.greeting, Lines.transferring])
            await harness.expectNothingLeft()

            let events = await harness.events
            #expect(events.map(\.type.rawValue) == [
                "call.started", "call.answered", "tts.generated", "dtmf.received", "tts.generated", "call.escalated", "call.transferred",
                "call.ended",
            ])
            #expect(events.first { $0.type == .dtmfReceived }?.string("digit") == "0")
            let escalated = try #require(events.first { $0.type == .callEscalated })
            #expect(escalated.string("target") == "queue:support" && escalated.string("kind") == "blind" && escalated.string("requested_by") == "agent")
            let transferred = try #require(events.first { $0.type == .callTransferred })
            #expect(transferred.string("target") == "queue:support" && transferred.string("outcome") == "completed")
            let variables = await harness.telephony.transferredVariables[channel] ?? [:]
            #expect(variables["VOICEGW_CALL_ID"] == ended.callID.rawValue)
            #expect(variables["VOICEGW_TRANSFER_REASON"] == "agent request")
            #expect(variables["VOICEGW_TRANSFER_SUMMARY"] == "Caller +15551230000.", "nothing said, only keyed")
            #expect(try await harness.repository.get(ended.callID)?.endReason == .transferred)
        }
    }

    @Test func callerSpeechDuringTheGreetingBargesIn() async throws {
        let harness = CallServiceHarness(answers: ["my balance please"], holdsPlayback: true)
        try await harness.running {
            _ = await harness.telephony.placeCall()
            let session = try await harness.session()
            // The greeting is held after three frames: the caller speaks over it.
            await session.allowFrames(3)
            #expect(await eventually { await session.playedFrames.count == 3 })
            await harness.published(.ttsGenerated)
            await harness.speak(into: session)
            let interrupted = await harness.playbacks(session, finished: 1)
            #expect(interrupted.first?.outcome == .interrupted(sent: .milliseconds(60)))
            #expect(await session.flushCount >= 1)
            await harness.published(.bargeIn)

            await session.releasePlayback()
            let playbacks = await harness.playbacks(session, finished: 2)
            #expect(playbacks.map(\.frames) == [3, Lines.balance])
            #expect(playbacks.last?.outcome == .completed(sent: .milliseconds(20 * Lines.balance)))
            // The barge-in is recorded before the answer to what the caller said (the transcript itself
            // may be recorded before or after the barge-in: the listener runs on).
            await harness.published(.ttsGenerated, count: 2)
            let types = await harness.events.map(\.type.rawValue)
            #expect(types.filter { $0 != "stt.transcribed" } == [
                "call.started", "call.answered", "tts.generated", "barge_in", "llm.responded", "tts.generated",
            ])
            #expect(types.firstIndex(of: "stt.transcribed").map { $0 < types.firstIndex(of: "llm.responded") ?? 0 } == true)
        }
    }

    @Test func silenceIsRepromptedOnTheClockThenTheCallEnds() async throws {
        let timeout = Duration.seconds(1)
        let harness = CallServiceHarness { $0.conversation.noInputTimeout = timeout }
        try await harness.running {
            let channel = await harness.telephony.placeCall()
            let session = try await harness.session()
            await harness.playbacks(session, finished: 1)
            // The caller says nothing: only the clock moves, one conversation tick (100 ms) at a time,
            // each step once the service's timers are waiting again (the reconciliation timer and the
            // two tick loops of the conversation).
            var firstReprompt: Duration?
            for _ in 0..<200 {
                let playbacks = await session.playbacks
                if firstReprompt == nil, playbacks.count >= 2 { firstReprompt = harness.clock.monotonic() }
                if playbacks.count >= 4 { break }
                let waiting = await eventually {
                    let played = await session.playbacks.count
                    return harness.clock.sleeperCount >= 3 || played >= 4
                }
                #expect(waiting, "the conversation's timers are not waiting")
                harness.clock.advance(by: .milliseconds(100))
            }
            let reprompted = try #require(firstReprompt, "never re-prompted")
            #expect(reprompted >= timeout, "re-prompted after \(reprompted) of silence")

            let ended = try #require(await harness.published(.callEnded).first)
            #expect(ended.string("reason") == "gateway_hangup")
            // Two re-prompts, then the third strike says goodbye (ConversationConfiguration defaults).
            let frames = await session.playbacks.map(\.frames)
            #expect(frames == [Lines.greeting, Lines.reprompt, Lines.reprompt, Lines.goodbye])
            #expect(harness.clock.monotonic() >= timeout * 3)
            #expect(await harness.telephony.hungUp == [channel: .normal])
            #expect(harness.stt.framesPerUtterance.withLock { $0.isEmpty }, "silence never reached speech-to-text")
            await harness.expectNothingLeft()
        }
    }
}
