import Domain
import Testing

/// Resuming a call after a restart (`Call.resume`).
extension CallStateMachineTests {
    @Test func resumingAnActiveCallKeepsItActive() throws {
        var call = makeCall()
        _ = try call.answer(at: t0)
        _ = try call.activate(at: t0)
        #expect(try call.resume(at: t0.advanced(by: .seconds(9))) == [])
        #expect(call.state == .active)
    }

    @Test func resumingACallLeftRingingAnswersAndActivatesIt() throws {
        var call = makeCall()
        let later = t0.advanced(by: .seconds(3))
        #expect(try call.resume(at: later) == [.answered(at: later), .activated(at: later)])
        #expect(call.state == .active)
        #expect(call.answeredAt == later)
    }

    @Test func resumingAbandonsAnUnfinishedTransfer() throws {
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
