import Metrics

/// `voicegw_tenant_lookups_total{resource, result}`: how the tenant manager's lookups were answered.
/// Every series is created up front (at zero), also when no manager is configured, so a scrape always
/// shows them. Labels are bounded: never a number or a tenant id.
public struct TenantLookupMetrics: Sendable {
    /// What was looked up.
    public enum Resource: String, Sendable, CaseIterable {
        /// A dialled number's owner (`/api/v1/dids/{did}`).
        case did
        /// A trunk's owner (`/api/v1/trunks/{trunk_id}`).
        case trunk
        /// A tenant's telephony settings.
        case settings
    }

    /// How it was answered.
    public enum Result: String, Sendable, CaseIterable {
        /// From the cache, within its time to live.
        case hit
        /// Asked of the manager, which answered (a 404 included).
        case miss
        /// The manager failed; the expired cache entry was served.
        case stale
        /// The manager failed with nothing cached; `tenants.file` answered.
        case fallback
        /// The manager failed with nothing cached and no table answer: the call is refused.
        case error
    }

    private let factory: any MetricsFactory

    public init(factory: any MetricsFactory) {
        self.factory = factory
        for resource in Resource.allCases {
            for result in Result.allCases { _ = counter(resource, result) }
        }
    }

    /// Counts one lookup of `resource` answered as `result`.
    public func count(_ resource: Resource, _ result: Result) {
        counter(resource, result).increment()
    }

    private func counter(_ resource: Resource, _ result: Result) -> Counter {
        Counter(label: "voicegw_tenant_lookups_total", dimensions: [("resource", resource.rawValue), ("result", result.rawValue)], factory: factory)
    }
}
