import Domain
import Logging
import Synchronization

/// The circuit breakers of all providers, shared by every call (a provider that is down for one call is
/// down for all of them).
public final class ProviderHealth: Sendable {
    private let breakers = Mutex<[String: CircuitBreaker]>([:])
    private let configuration: CircuitBreaker.Configuration
    private let clock: any Domain.Clock
    private let logger: Logger

    public init(configuration: CircuitBreaker.Configuration, clock: any Domain.Clock, logger: Logger) {
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
    }

    /// Whether a request to `provider` may go out now.
    public func allow(_ provider: String) -> Bool {
        apply(.request(now: clock.monotonic()), to: provider) != .reject
    }

    /// Records the outcome of a request to `provider`. Failures that say nothing about the provider's
    /// health (cancelled, bad request) are ignored.
    public func record(_ provider: String, failure: ProviderError?) {
        guard let failure else {
            _ = apply(.success, to: provider)
            return
        }
        guard failure.kind != .cancelled && failure.kind != .badRequest else { return }
        _ = apply(.failure(now: clock.monotonic()), to: provider)
    }

    /// The breaker state of `provider` (closed when never used).
    public func state(of provider: String) -> CircuitBreaker.State {
        breakers.withLock { $0[provider]?.state ?? .closed(failures: 0) }
    }

    private func apply(_ event: CircuitBreaker.Event, to provider: String) -> CircuitBreaker.Action {
        let action = breakers.withLock { all in
            var breaker = all[provider] ?? CircuitBreaker(configuration: configuration)
            defer { all[provider] = breaker }
            return breaker.event(event)
        }
        switch action {
        case .opened: logger.warning("circuit breaker opened: provider skipped until it recovers", metadata: ["provider": "\(provider)"])
        case .closed: logger.notice("circuit breaker closed: provider recovered", metadata: ["provider": "\(provider)"])
        default: break
        }
        return action
    }
}
