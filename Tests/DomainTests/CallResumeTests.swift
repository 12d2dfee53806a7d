import Domain
import Testing

@Suite("Resuming a call after a restart")
struct CallResumeTests {
    let t0 = Timestamp(millisecondsSinceEpoch: 1_800_000_000_000)

    func makeCall() -> Call {
        Call(
            id: "c1", tenantID: "t1", channelID: "1795340170.1", conversationID: "conv1", direction: .inbound,
            callerNumber: "+15551230000", calleeNumber: "100", instanceID: "i1", createdAt: t0)
    }

    @Test func anActiveCallStaysActive() throws {
        var call = makeCall()
        _ = try call.answer(at: t0)
        _ = try call.activate(at: t0)
        #expect(try call.resume(at: t0.advanced(by: .seconds(9))) == [])
        #expect(call.state == .active)
    }

    @Test func aCallLeftRingingIsAnsweredAndActivated() throws {
        var call = makeCall()
        let later = t0.advanced(by: .seconds(3))
        #expect(try call.resume(at: later) == [.answered(at: later), .activated(at: later)])
        #expect(call.state == .active)
        #expect(call.answeredAt == later)
    }

    @Test func anUnfinishedTransferIsAbandoned() throws {
        var call = makeCall()
        _ = try call.answer(at: t0)
        _ = try call.activate(at: t0)
        _ = try call.beginTransfer(to: .queue("sales"), at: t0)
        _ = try call.resume(at: t0)
        #expect(call.state == .active)
        #expect(call.transferTarget == nil)
    }

    @Test func anEndedCallCannotBeResumed() throws {
        var call = makeCall()
        _ = try call.end(reason: .callerHangup, at: t0)
        #expect(throws: CallError.self) { try call.resume(at: t0) }
        #expect(call.state == .ended)
    }
}
