import Domain
import Synchronization

/// What the live feed carries: a call whose state changed (the call as stored), or a line of its
/// conversation (redacted, as in the call's history).
public enum CallFeedItem: Sendable, Hashable {
    case call(Call)
    case line(callID: CallID, tenantID: TenantID, line: HistoryLine)

    /// The tenant the item belongs to.
    public var tenantID: TenantID {
        switch self {
        case .call(let call): call.tenantID
        case .line(_, let tenant, _): tenant
        }
    }
}

/// The live feed of this instance's calls (`GET /v1/events`): each subscriber gets its tenant's state
/// changes and conversation lines as they happen. A subscriber that does not keep up loses the oldest
/// items beyond its buffer (it can read the calls again); the number of subscribers per tenant is capped.
public final class CallFeed: Sendable {
    private struct Subscriber {
        let tenant: TenantID
        let continuation: AsyncStream<CallFeedItem>.Continuation
    }
    private struct State {
        var subscribers: [Int: Subscriber] = [:]
        var nextID = 0
        /// The last state sent per live call, so that only changes go out.
        var states: [CallID: CallState] = [:]
        var finished = false
    }
    private let state = Mutex(State())
    private let buffer: Int
    public let maxPerTenant: Int

    /// `buffer` items kept per slow subscriber; at most `maxPerTenant` subscribers per tenant.
    public init(buffer: Int = 256, maxPerTenant: Int = 16) {
        self.buffer = buffer
        self.maxPerTenant = maxPerTenant
    }

    /// A stream of `tenant`'s items from now on; nil when the tenant has `maxPerTenant` subscribers
    /// already (or the feed is finished). The stream ends when the feed finishes.
    public func subscribe(tenant: TenantID) -> AsyncStream<CallFeedItem>? {
        let (stream, continuation) = AsyncStream.makeStream(of: CallFeedItem.self, bufferingPolicy: .bufferingNewest(buffer))
        let id: Int? = state.withLock { state in
            guard !state.finished, state.subscribers.values.filter({ $0.tenant == tenant }).count < maxPerTenant else { return nil }
            state.nextID += 1
            state.subscribers[state.nextID] = Subscriber(tenant: tenant, continuation: continuation)
            return state.nextID
        }
        guard let id else { return nil }
        continuation.onTermination = { [weak self] _ in self?.state.withLock { _ = $0.subscribers.removeValue(forKey: id) } }
        return stream
    }

    /// How many subscribers are connected now.
    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// A call was stored: sent when its state differs from the last one sent.
    public func callChanged(_ call: Call) {
        let targets = state.withLock { state -> [AsyncStream<CallFeedItem>.Continuation] in
            guard state.states[call.id] != call.state else { return [] }
            if call.state.isFinal { state.states.removeValue(forKey: call.id) } else { state.states[call.id] = call.state }
            return state.subscribers.values.filter { $0.tenant == call.tenantID }.map(\.continuation)
        }
        for target in targets { target.yield(.call(call)) }
    }

    /// A line was added to a call's conversation.
    public func line(_ line: HistoryLine, of call: CallID, tenant: TenantID) {
        let targets = state.withLock { $0.subscribers.values.filter { $0.tenant == tenant }.map(\.continuation) }
        for target in targets { target.yield(.line(callID: call, tenantID: tenant, line: line)) }
    }

    /// Ends every subscriber's stream and refuses new ones (the daemon is stopping).
    public func finish() {
        let all = state.withLock { state -> [AsyncStream<CallFeedItem>.Continuation] in
            state.finished = true
            return state.subscribers.values.map(\.continuation)
        }
        for continuation in all { continuation.finish() }
    }
}
