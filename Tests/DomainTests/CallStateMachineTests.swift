import Domain
import Testing

@Suite("Call state machine")
struct CallStateMachineTests {
    let t0 = Timestamp(millisecondsSinceEpoch: 1_800_000_000_000)

    func makeCall() -> Call {
        Call(
            id: "c1", tenantID: "t1", channelID: "1795340170.1", conversationID: "conv1", direction: .inbound,
            callerNumber: "+15551230000", calleeNumber: "100", instanceID: "i1", createdAt: t0)
    }

    @Test func happyPathYieldsEventsAndTimestamps() throws {
        var call = makeCall()
        #expect(call.state == .ringing)
        let answered = try call.answer(at: t0.advanced(by: .milliseconds(5)))
        #expect(answered == [.answered(at: t0.advanced(by: .milliseconds(5)))])
        #expect(call.answeredAt == t0.advanced(by: .milliseconds(5)))
        _ = try call.activate(at: t0.advanced(by: .milliseconds(20)))
        #expect(call.state == .active)
        let ended = try call.end(reason: .callerHangup, at: t0.advanced(by: .seconds(65)))
        #expect(ended == [.ended(reason: .callerHangup, duration: .milliseconds(64_995), at: t0.advanced(by: .seconds(65)))])
        #expect(call.state == .ended)
        #expect(call.endReason == .callerHangup)
    }

    @Test func endedIsFinal() throws {
        var call = makeCall()
        _ = try call.end(reason: .callerHangup, at: t0)
        #expect(throws: CallError.self) { try call.end(reason: .gatewayHangup, at: t0) }
        #expect(throws: CallError.self) { try call.answer(at: t0) }
        do {
            _ = try call.fail(reason: "x", at: t0)
            Issue.record("fail after end must throw")
        } catch {
            #expect(error.code == .invalidTransition)
            #expect(error.callID == "c1")
        }
    }

    @Test func cannotSkipAnswer() {
        var call = makeCall()
        #expect(throws: CallError.self) { try call.activate(at: t0) }
        #expect(call.state == .ringing)
    }

    @Test func transferPath() throws {
        var call = makeCall()
        _ = try call.answer(at: t0)
        _ = try call.activate(at: t0)
        _ = try call.beginTransfer(to: .queue("support"), at: t0)
        #expect(call.state == .transferring)
        _ = try call.abortTransfer(at: t0)
        #expect(call.state == .active)
        _ = try call.beginTransfer(to: .extension("200"), at: t0)
        let events = try call.completeTransfer(at: t0)
        #expect(events == [.transferred(.extension("200"), at: t0)])
        #expect(call.state.isFinal)
    }

    @Test(arguments: CallState.allCases)
    func everyNonFinalStateCanEndAndFail(state: CallState) {
        #expect(state.canTransition(to: .ended) == !state.isFinal)
        #expect(state.canTransition(to: .failed) == !state.isFinal)
    }

    @Test func transitionTable() {
        #expect(CallState.ringing.canTransition(to: .answered))
        #expect(!CallState.ringing.canTransition(to: .active))
        #expect(!CallState.answered.canTransition(to: .ringing))
        #expect(!CallState.active.canTransition(to: .transferred))
        #expect(!CallState.ended.canTransition(to: .active))
    }
}
