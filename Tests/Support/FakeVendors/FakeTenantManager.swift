import Foundation
import Synchronization

/// The tenant manager on loopback (docs/tenant-manager.md), over a `FakeVendorServer`: numbers and trunks
/// owned by tenants, each tenant's settings as a raw JSON body (so a test can serve invalid JSON), a
/// bearer token it insists on, and a switch that makes every answer fail (a status, or a body that
/// never comes).
public final class FakeTenantManager: Sendable {
    /// How every request is answered while set.
    public enum Failure: Sendable {
        /// This status with a JSON error body.
        case status(Int)
        /// The head at once, the body only after `after` of real time (longer than any test waits).
        case slowBody(after: Duration)
    }

    private struct State {
        var dids: [String: String] = [:]
        var trunks: [String: String] = [:]
        var settings: [String: String] = [:]
        var failure: Failure?
        var contentType = "application/json"
    }

    private let state = Mutex(State())
    private let server: FakeVendorServer
    /// The bearer token every request must carry (nil: none checked).
    public let token: String?

    public init(token: String? = nil) async throws {
        self.token = token
        let box = StateBox()
        server = try await FakeVendorServer { request in box.manager?.answer(request) ?? .json("{}", status: 500) }
        box.manager = self
    }

    /// `http://127.0.0.1:PORT`.
    public var baseURL: String { server.baseURL }

    /// The requests so far.
    public var requests: [FakeVendorServer.Request] { server.requests }

    /// The paths requested so far.
    public var paths: [String] { server.requests.map(\.path) }

    /// `did` (as it will be asked for: E.164) belongs to `tenant`; nil: to nobody (404).
    public func setNumber(_ did: String, tenant: String?) { state.withLock { $0.dids[did] = tenant } }

    /// `trunk` belongs to `tenant`; nil: to nobody (404).
    public func setTrunk(_ trunk: String, tenant: String?) { state.withLock { $0.trunks[trunk] = tenant } }

    /// `tenant`'s telephony settings body (nil: 404).
    public func setSettings(_ tenant: String, json: String?) { state.withLock { $0.settings[tenant] = json } }

    /// Every answer fails this way from now on (nil: answers again).
    public func fail(_ failure: Failure?) { state.withLock { $0.failure = failure } }

    /// The content type of the answers.
    public func setContentType(_ type: String) { state.withLock { $0.contentType = type } }

    public func close() async { await server.close() }

    func answer(_ request: FakeVendorServer.Request) -> FakeVendorServer.Response {
        let current = state.withLock { $0 }
        if let token, request.header("Authorization") != "Bearer \(token)" {
            return .json(#"{"error":{"message":"bad token"}}"#, status: 401)
        }
        switch current.failure {
        case .status(let code): return .json(#"{"error":{"message":"failing on purpose"}}"#, status: code)
        case .slowBody(let after): return .init(contentType: "application/json", chunks: [Array("{}".utf8)], delay: after)
        case nil: break
        }
        let parts = request.path.split(separator: "/").map { $0.removingPercentEncoding ?? String($0) }
        var body: String?
        switch parts.count {
        case 4 where parts[0...2] == ["api", "v1", "dids"]:
            body = current.dids[parts[3]].map { #"{"did":"\#(parts[3])","id":"did-0001","tenant_id":"\#($0)"}"# }
        case 4 where parts[0...2] == ["api", "v1", "trunks"]:
            body = current.trunks[parts[3]].map { #"{"id":"\#(parts[3])","tenant_id":"\#($0)"}"# }
        case 6 where parts[0...2] == ["api", "v1", "tenants"] && parts[4...5] == ["telephony", "settings"]:
            body = current.settings[parts[3]]
        default:
            break
        }
        guard let body else { return .json(#"{"error":{"message":"not found"}}"#, status: 404) }
        return .init(contentType: current.contentType, chunks: [Array(body.utf8)])
    }
}

private final class StateBox: @unchecked Sendable {
    weak var manager: FakeTenantManager?
}
