import Domain
import ServiceLifecycle

/// Keeps an event publisher in the service group so that it is flushed last on shutdown, after the
/// call service has recorded every `call.ended`.
public struct EventPublisherService: Service {
    private let publisher: any EventPublisher

    public init(publisher: any EventPublisher) {
        self.publisher = publisher
    }

    public func run() async throws {
        try? await gracefulShutdown()
        await publisher.flush()
    }
}
