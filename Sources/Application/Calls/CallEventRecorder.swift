import Domain
import Logging
import Synchronization

/// Numbers and publishes the events of one call, in order.
///
/// `record` never waits for the publisher (the audio path must not stall on Kafka or a disk): it stamps
/// the event with the next per-call sequence number and queues it. `run()` delivers the queue in order
/// and returns after `finish()` once everything has been handed to the publisher.
///
/// Sequence numbers survive a daemon restart: before publishing the first event of each block of
/// `SequenceReservation.block` numbers, `run()` stores the block's end with the call (`Call.eventSequence`),
/// so a daemon that picks the call up later starts above every number that may have been published.
public final class CallEventRecorder: Sendable {
    /// Where the recorder stores the highest sequence number it may use.
    public struct SequenceReservation: Sendable {
        /// Numbers reserved per write.
        public var block: Int
        /// Stores the new highest reserved number (with the call); failures are the closure's to log.
        public var reserve: @Sendable (Int) async -> Void

        public init(block: Int = 50, reserve: @escaping @Sendable (Int) async -> Void) {
            self.block = max(1, block)
            self.reserve = reserve
        }
    }

    /// Who the events are about.
    public struct Identity: Sendable, Hashable {
        public var tenantID: TenantID
        public var callID: CallID
        public var conversationID: ConversationID
        public var instanceID: InstanceID

        public init(tenantID: TenantID, callID: CallID, conversationID: ConversationID, instanceID: InstanceID) {
            self.tenantID = tenantID
            self.callID = callID
            self.conversationID = conversationID
            self.instanceID = instanceID
        }
    }

    private let identity: Mutex<Identity>
    private let sequence: Mutex<Int>
    private let firstSequence: Int
    private let reservation: SequenceReservation?
    private let publisher: any EventPublisher
    private let clock: any Domain.Clock
    private let logger: Logger
    private let stream: AsyncStream<CallEvent>
    private let continuation: AsyncStream<CallEvent>.Continuation

    /// Numbers events from `startingAfter + 1`; `reservation` nil keeps numbers in memory only.
    public init(
        identity: Identity, publisher: any EventPublisher, clock: any Domain.Clock, logger: Logger,
        startingAfter: Int = 0, reservation: SequenceReservation? = nil
    ) {
        self.identity = Mutex(identity)
        self.sequence = Mutex(startingAfter)
        self.firstSequence = startingAfter
        self.reservation = reservation
        self.publisher = publisher
        self.clock = clock
        self.logger = logger
        (stream, continuation) = AsyncStream.makeStream(of: CallEvent.self, bufferingPolicy: .unbounded)
    }

    /// Changes the tenant once it is known (the first events may precede the directory lookup).
    public func updateTenant(_ tenant: TenantID) {
        identity.withLock { $0.tenantID = tenant }
    }

    /// Queues an event of `type` with `data`, stamped now. Returns the event as queued.
    @discardableResult
    public func record(_ type: CallEventType, _ data: [String: JSONValue] = [:]) -> CallEvent {
        // One lock over numbering and queueing keeps sequence order equal to queue order.
        sequence.withLock { next in
            next += 1
            let id = identity.withLock { $0 }
            let event = CallEvent(
                type: type, occurredAt: clock.now(), sequence: next, tenantID: id.tenantID, callID: id.callID,
                conversationID: id.conversationID, instanceID: id.instanceID, data: data)
            continuation.yield(event)
            return event
        }
    }

    /// No more events will be recorded; `run()` returns once the queue is delivered.
    public func finish() {
        continuation.finish()
    }

    /// Delivers queued events in order until `finish()`.
    public func run() async {
        var reserved = firstSequence
        for await event in stream {
            if let reservation, event.sequence > reserved {
                reserved = event.sequence + reservation.block - 1
                await reservation.reserve(reserved)
            }
            do {
                try await publisher.publish(event)
            } catch {
                logger.error(
                    "event not published",
                    metadata: ["call.id": "\(event.callID)", "event.type": "\(event.type)", "error": "\(error)"])
            }
        }
    }
}
