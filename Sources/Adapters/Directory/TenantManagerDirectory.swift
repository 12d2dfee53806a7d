import Domain
import Logging
import Synchronization

/// A tenant directory backed by the tenant manager (docs/tenant-manager.md), with a cache in front.
///
/// A call's tenant: the owner of its dialled number (normalised to E.164 first), or, when the manager
/// knows no such number, the owner of the trunk it came in on; then that tenant's telephony settings.
/// Each answer is cached for `ttl` (a 404, "no such number/trunk", for `negativeTTL`). When the manager
/// fails (timeout, 5xx, network, refused token, invalid answer) the last answer is served even if
/// expired (stale-while-error); with nothing cached the `fallback` directory (`tenants.file`) answers,
/// and without one the lookup throws the manager's error, so the call goes back to the dialplan as
/// `directory_unavailable`. A number nobody owns throws `bad_request` (`unknown_number`).
public final class TenantManagerDirectory: TenantDirectory {
    /// Cache and normalisation settings.
    public struct Configuration: Sendable {
        /// How long an answer is used before the manager is asked again.
        public var ttl: Duration
        /// How long a 404 is believed.
        public var negativeTTL: Duration
        /// Most entries kept per cache (numbers and trunks; settings).
        public var capacity: Int
        /// How dialled numbers are normalised before lookup.
        public var numbers: DialledNumberNormaliser
        /// The media transports this daemon has engines for: a tenant's other choice falls back to the default.
        public var transports: Set<MediaTransportKind>

        public init(
            ttl: Duration = .seconds(300), negativeTTL: Duration = .seconds(30), capacity: Int = 10_000,
            numbers: DialledNumberNormaliser = .international, transports: Set<MediaTransportKind> = Set(MediaTransportKind.allCases)
        ) {
            self.ttl = ttl
            self.negativeTTL = negativeTTL
            self.capacity = capacity
            self.numbers = numbers
            self.transports = transports
        }
    }

    /// What a number or a trunk is the key of.
    enum Owned: Hashable, Sendable {
        case number(String)
        case trunk(String)
    }

    private struct Caches: Sendable {
        var owners: LookupCache<Owned, TenantID>
        var settings: LookupCache<TenantID, TenantSettings>
    }

    /// How one cached lookup ended.
    private enum Outcome<Value: Sendable>: Sendable {
        case found(Value)
        case absent
        case unavailable(ProviderError)
    }

    private let client: TenantManagerClient
    private let fallback: (any TenantDirectory)?
    private let configuration: Configuration
    private let clock: any Domain.Clock
    private let metrics: TenantLookupMetrics
    private let logger: Logger
    private let caches: Mutex<Caches>

    /// `fallback` answers while the manager cannot, for what the cache does not hold (nil: nothing does).
    public init(
        client: TenantManagerClient, fallback: (any TenantDirectory)?, configuration: Configuration = .init(),
        clock: any Domain.Clock, metrics: TenantLookupMetrics, logger: Logger
    ) {
        self.client = client
        self.fallback = fallback
        self.configuration = configuration
        self.clock = clock
        self.metrics = metrics
        self.logger = logger
        caches = Mutex(Caches(
            owners: LookupCache(ttl: configuration.ttl, negativeTTL: configuration.negativeTTL, capacity: configuration.capacity),
            settings: LookupCache(ttl: configuration.ttl, negativeTTL: configuration.negativeTTL, capacity: configuration.capacity)))
    }

    public func tenant(forDialled did: String, trunk: String?) async throws(ProviderError) -> TenantSettings {
        let number = configuration.numbers.normalise(did)
        let client = self.client
        let owner: TenantID
        switch await lookup(.number(number), in: \.owners, .did, fetch: { () async throws(ProviderError) -> TenantID? in
            try await client.owner(ofNumber: number)
        }) {
        case .found(let id):
            owner = id
        case .unavailable(let error):
            return try await fallBack(error, .did) { (directory: any TenantDirectory) async throws(ProviderError) -> TenantSettings in
                try await directory.tenant(forDialled: number, trunk: trunk)
            }
        case .absent:
            guard let trunk else { throw unknown("no tenant owns \(number)") }
            switch await lookup(.trunk(trunk), in: \.owners, .trunk, fetch: { () async throws(ProviderError) -> TenantID? in
                try await client.owner(ofTrunk: trunk)
            }) {
            case .found(let id):
                owner = id
            case .unavailable(let error):
                return try await fallBack(error, .trunk) { (directory: any TenantDirectory) async throws(ProviderError) -> TenantSettings in
                    try await directory.tenant(forDialled: number, trunk: trunk)
                }
            case .absent:
                throw unknown("no tenant owns \(number) or trunk \(trunk)")
            }
        }
        return try await settings(for: owner)
    }

    public func settings(for id: TenantID) async throws(ProviderError) -> TenantSettings {
        let (client, transports, logger) = (client, configuration.transports, logger)
        let outcome = await lookup(id, in: \.settings, .settings) { () async throws(ProviderError) -> TenantSettings? in
            guard let wire = try await client.settings(of: id) else { return nil }
            return try wire.settings(for: id, available: transports, provider: "tenant_manager") { reason in
                logger.warning("tenant setting ignored", metadata: ["tenant.id": "\(id)", "reason": "\(reason)"])
            }
        }
        switch outcome {
        case .found(let settings): return settings
        case .absent: throw unknown("the tenant manager has no telephony settings for tenant \(id)")
        case .unavailable(let error):
            return try await fallBack(error, .settings) { (directory: any TenantDirectory) async throws(ProviderError) -> TenantSettings in
                try await directory.settings(for: id)
            }
        }
    }

    /// The cached answer for `key` while fresh; else the manager's, which is cached; else, when the
    /// manager failed, the expired one if any.
    private func lookup<Key: Hashable & Sendable, Value: Sendable>(
        _ key: Key, in cache: WritableKeyPath<Caches, LookupCache<Key, Value>>, _ resource: TenantLookupMetrics.Resource,
        fetch: () async throws(ProviderError) -> Value?
    ) async -> Outcome<Value> {
        let now = clock.monotonic()
        let known = caches.withLock { $0[keyPath: cache].lookup(key, at: now) }
        if case .fresh(let entry) = known {
            metrics.count(resource, .hit)
            return Self.outcome(entry)
        }
        do throws(ProviderError) {
            let answer = try await fetch()
            let entry: LookupCache<Key, Value>.Entry = answer.map { .found($0) } ?? .absent
            let answered = clock.monotonic()
            caches.withLock { $0[keyPath: cache].store(entry, for: key, at: answered) }
            metrics.count(resource, .miss)
            return Self.outcome(entry)
        } catch {
            // Another call may have stored an answer meanwhile; anything held beats no answer.
            let failed = clock.monotonic()
            switch caches.withLock({ $0[keyPath: cache].lookup(key, at: failed) }) {
            case .fresh(let entry), .stale(let entry):
                metrics.count(resource, .stale)
                logger.warning("tenant manager failed: serving the last answer", metadata: [
                    "lookup": "\(resource.rawValue)", "error.kind": "\(error.kind)", "error": "\(error.message)",
                ])
                return Self.outcome(entry)
            case .missing:
                return .unavailable(error)
            }
        }
    }

    private static func outcome<Key: Hashable & Sendable, Value: Sendable>(_ entry: LookupCache<Key, Value>.Entry) -> Outcome<Value> {
        switch entry {
        case .found(let value): .found(value)
        case .absent: .absent
        }
    }

    /// The fallback directory's answer while the manager failed with nothing cached; the manager's
    /// `error` when there is no fallback or it does not know either.
    private func fallBack<T>(
        _ error: ProviderError, _ resource: TenantLookupMetrics.Resource, _ ask: (any TenantDirectory) async throws(ProviderError) -> T
    ) async throws(ProviderError) -> T {
        let metadata: Logger.Metadata = ["lookup": "\(resource.rawValue)", "error.kind": "\(error.kind)", "error": "\(error.message)"]
        if let fallback, let answer = try? await ask(fallback) {
            metrics.count(resource, .fallback)
            logger.warning("tenant manager failed with nothing cached: answered from tenants.file", metadata: metadata)
            return answer
        }
        metrics.count(resource, .error)
        logger.error("tenant manager failed with nothing cached and no fallback answer", metadata: metadata)
        throw error
    }

    private func unknown(_ message: String) -> ProviderError {
        ProviderError(.badRequest, provider: "tenant_manager", message)
    }
}
