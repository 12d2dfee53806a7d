import Domain

/// A per-provider circuit breaker as a value state machine (closed -> open -> half-open -> closed).
///
/// Closed: requests pass; `failureThreshold` failures in a row open the breaker. Open: requests are
/// refused until `openDuration` has passed, then the breaker is half-open. Half-open: up to
/// `halfOpenProbes` requests pass as probes; a success closes the breaker, a failure opens it again.
/// Time is passed in (monotonic, from an injected `Domain.Clock`), so the machine is tested without sleeping.
public struct CircuitBreaker: Sendable, Hashable {
    /// Thresholds.
    public struct Configuration: Sendable, Hashable {
        /// Consecutive failures that open the breaker.
        public var failureThreshold: Int
        /// How long the breaker stays open before probing.
        public var openDuration: Duration
        /// Requests let through while half-open.
        public var halfOpenProbes: Int

        public init(failureThreshold: Int = 5, openDuration: Duration = .seconds(30), halfOpenProbes: Int = 1) {
            self.failureThreshold = max(1, failureThreshold)
            self.openDuration = openDuration
            self.halfOpenProbes = max(1, halfOpenProbes)
        }
    }

    /// Where the breaker is.
    public enum State: Sendable, Hashable {
        case closed(failures: Int)
        case open(until: Duration)
        case halfOpen(probes: Int)
    }

    /// What happened.
    public enum Event: Sendable, Hashable {
        /// A request wants to go out at monotonic time `now`.
        case request(now: Duration)
        /// The request succeeded.
        case success
        /// The request failed (only failures that say something about the provider's health).
        case failure(now: Duration)
    }

    /// What the caller should do.
    public enum Action: Sendable, Hashable {
        /// Send the request.
        case allow
        /// Do not send it: the provider is considered down.
        case reject
        /// The breaker just opened (log it).
        case opened
        /// The breaker just closed again (log it).
        case closed
        /// Nothing to do.
        case none
    }

    public let configuration: Configuration
    public private(set) var state: State = .closed(failures: 0)

    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    /// Feeds `event` and returns the action it calls for.
    public mutating func event(_ event: Event) -> Action {
        switch (state, event) {
        case (.closed, .request):
            return .allow
        case (.open(let until), .request(let now)):
            guard now >= until else { return .reject }
            state = .halfOpen(probes: 1)
            return .allow
        case (.halfOpen(let probes), .request):
            guard probes < configuration.halfOpenProbes else { return .reject }
            state = .halfOpen(probes: probes + 1)
            return .allow
        case (.closed, .success):
            state = .closed(failures: 0)
            return .none
        case (.halfOpen, .success):
            state = .closed(failures: 0)
            return .closed
        case (.open, .success):
            return .none
        case (.closed(let failures), .failure(let now)):
            if failures + 1 >= configuration.failureThreshold {
                state = .open(until: now + configuration.openDuration)
                return .opened
            }
            state = .closed(failures: failures + 1)
            return .none
        case (.halfOpen, .failure(let now)):
            state = .open(until: now + configuration.openDuration)
            return .opened
        case (.open, .failure):
            return .none
        }
    }
}
