/// Where call events go (Kafka with a spool, a JSONL file).
///
/// Delivery is at least once: a publisher may deliver an event twice, never lose one it accepted.
public protocol EventPublisher: Sendable {
    /// Accepts `event` for delivery. Returns once the event is durable enough for this publisher's
    /// promise (written to the file or spool). Throws `ProviderError` when it could not be accepted.
    func publish(_ event: CallEvent) async throws(ProviderError)

    /// Waits until everything accepted so far is delivered or safely spooled.
    func flush() async
}
