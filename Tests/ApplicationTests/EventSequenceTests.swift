import Application
import Domain
import Logging
import Synchronization
import Testing
import TestSupport

/// Event numbering that survives a restart: blocks reserved before use, numbering resumed above them.
@Suite struct EventSequenceTests {
    final class Reservations: Sendable {
        let marks = Mutex<[Int]>([])
        func reserve(_ mark: Int) { marks.withLock { $0.append(mark) } }
    }

    func recorder(after: Int, reservations: Reservations, publisher: CollectingPublisher) -> CallEventRecorder {
        CallEventRecorder(
            identity: .init(tenantID: "t", callID: "c", conversationID: "v", instanceID: "i"), publisher: publisher,
            clock: SystemClock(), logger: Logger(label: "test"), startingAfter: after,
            reservation: .init(block: 3) { reservations.reserve($0) })
    }

    @Test func eachBlockIsReservedBeforeItsFirstEventIsPublished() async {
        let reservations = Reservations()
        let publisher = CollectingPublisher()
        let recorder = recorder(after: 0, reservations: reservations, publisher: publisher)
        for _ in 0..<7 { recorder.record(.dtmfReceived, ["digit": "1"]) }
        recorder.finish()
        await recorder.run()
        #expect(await publisher.events.map(\.sequence) == Array(1...7))
        #expect(reservations.marks.withLock { $0 } == [3, 6, 9])
    }

    @Test func aRestartedRecorderNumbersAboveTheReservedMark() async {
        let reservations = Reservations()
        let publisher = CollectingPublisher()
        // The previous process reserved up to 6 and may have published any of 1...6.
        let recorder = recorder(after: 6, reservations: reservations, publisher: publisher)
        recorder.record(.callEnded, ["reason": "gateway_restart", "duration_ms": 10])
        recorder.finish()
        await recorder.run()
        #expect(await publisher.events.map(\.sequence) == [7])
        #expect(reservations.marks.withLock { $0 } == [9])
    }
}
