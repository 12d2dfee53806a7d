import Domain
import Synchronization

/// A tenant directory that can be swapped while calls run (SIGHUP reloads `tenants.file` and the tenant
/// manager's settings): each lookup asks the directory in place at that moment, so calls that already
/// have their tenant keep its settings and new calls get the new ones.
public final class ReplaceableTenantDirectory: TenantDirectory {
    private let current: Mutex<any TenantDirectory>

    public init(_ directory: any TenantDirectory) {
        current = Mutex(directory)
    }

    /// Uses `directory` from now on.
    public func replace(with directory: any TenantDirectory) {
        current.withLock { $0 = directory }
    }

    public func tenant(forDialled did: String, trunk: String?) async throws(ProviderError) -> TenantSettings {
        let directory = current.withLock { $0 }
        return try await directory.tenant(forDialled: did, trunk: trunk)
    }

    public func settings(for id: TenantID) async throws(ProviderError) -> TenantSettings {
        let directory = current.withLock { $0 }
        return try await directory.settings(for: id)
    }
}
