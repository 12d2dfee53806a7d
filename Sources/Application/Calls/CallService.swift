import Domain
import Logging
import ServiceLifecycle
import Synchronization

/// The call use cases: takes calls from the telephony server, runs each one's conversation, and ends
/// every call cleanly (caller hangup, daemon hangup, error, shutdown). The only writer of `Call`.
///
/// Graceful shutdown is a drain: readiness turns `draining` at once (so a load balancer stops sending
/// calls), new calls go back to the dialplan, live calls go on for `shutdownGrace`, then each still live
/// hears `shutdownGoodbye` and is hung up. `endNow()` (a second signal) skips what is left of that.
public final class CallService: Service, HealthReporting, Sendable {
    /// Everything the service talks to.
    public struct Dependencies: Sendable {
        public var telephony: any Telephony
        public var media: any MediaEngine
        public var stt: any SpeechToText
        public var tts: any TextToSpeech
        public var agent: any Agent
        public var repository: any CallRepository
        public var publisher: any EventPublisher
        public var directory: any TenantDirectory
        public var clock: any Domain.Clock
        /// Per-tenant provider chains with failover; nil to use `stt` and `tts` alone.
        public var speech: SpeechProviderRouter?
        /// The instances sharing the call repository, to end the calls of dead ones; nil for none.
        public var registry: (any InstanceRegistry)?
        /// Calls that arrive over media alone (dialplan AudioSocket); nil for none.
        public var mediaCalls: (any MediaCallSource)?
        /// The agents tenants chose; nil: `agent` talks on every call.
        public var agents: AgentRoster?
        /// Where outbound calls' idempotency keys are claimed (shared by instances); nil: in memory.
        public var idempotency: (any IdempotencyStore)?
        /// Where instances sharing an application claim each new channel (first claim wins); nil: every
        /// channel that enters is this instance's.
        public var claims: (any ChannelClaims)?
        /// The live feed of state changes and lines (`GET /v1/events`); nil for none.
        public var feed: CallFeed?

        public init(
            telephony: any Telephony, media: any MediaEngine, stt: any SpeechToText, tts: any TextToSpeech,
            agent: any Agent, repository: any CallRepository, publisher: any EventPublisher,
            directory: any TenantDirectory, clock: any Domain.Clock
        ) {
            self.telephony = telephony
            self.media = media
            self.stt = stt
            self.tts = tts
            self.agent = agent
            self.repository = repository
            self.publisher = publisher
            self.directory = directory
            self.clock = clock
        }
    }

    enum Input: Sendable {
        case telephony(TelephonyEvent)
        case callFinished(ChannelID)
        /// Check the stored calls against the telephony server.
        case reconcile
        /// Pick up a call a previous process left behind.
        case resume(Call, ChannelSnapshot)
        /// A call arrived over media alone.
        case mediaCall(MediaOnlyCall)
        /// An outbound call was placed (its handle is registered).
        case outbound(CallHandle, OutboundPlan)
        case shutdown
        /// The drain's grace period is over: close the calls still live.
        case graceOver
        /// End every call now, without a goodbye.
        case endNow
    }

    let dependencies: Dependencies
    let configuration: CallServiceConfiguration
    let metrics: VoiceMetrics
    let logger: Logger
    let calls = Mutex<[ChannelID: CallHandle]>([:])
    private let accepting = Mutex(true)
    /// The run loop's input, once running (for `endNow`).
    let inputs = Mutex<AsyncStream<Input>.Continuation?>(nil)
    /// Ids of the calls this process has taken on (pruned by reconciliation).
    let takenOn = Mutex<Set<CallID>>([])
    /// Live calls per tenant, for the tenants' `maxConcurrentCalls`.
    let tenantCalls = Mutex<[TenantID: Int]>([:])
    /// Whether a reconciliation is running (they never overlap).
    let reconciling = Mutex(false)
    /// Calls taken over whose channel is being moved into this application, by channel.
    let adoptions = Mutex<[ChannelID: Call]>([:])
    /// Outbound calls' idempotency keys, and where they go while the shared store is unreachable.
    let idempotency: any IdempotencyStore
    let localIdempotency: InMemoryIdempotencyStore

    public init(dependencies: Dependencies, configuration: CallServiceConfiguration, metrics: VoiceMetrics, logger: Logger) {
        self.dependencies = dependencies
        self.configuration = configuration
        self.metrics = metrics
        self.logger = logger
        self.localIdempotency = InMemoryIdempotencyStore(clock: dependencies.clock)
        self.idempotency = dependencies.idempotency ?? localIdempotency
    }

    /// The ids of the calls in progress.
    public var activeCalls: [CallID] { calls.withLock { $0.values.map(\.callID) } }

    /// The conversation of a live call, if it is one of ours.
    public func conversation(of id: CallID) -> Conversation? {
        calls.withLock { $0.values.first { $0.callID == id } }?.log.snapshot
    }

    public var dependencyName: String { "calls" }

    /// `ok` while taking calls, `draining` from the start of a graceful shutdown (not ready).
    public func dependencyState() async -> DependencyState {
        accepting.withLock { $0 } ? .ok : .draining
    }

    /// Ends every live call at once, without the goodbye line (a second SIGTERM during the drain).
    public func endNow() {
        accepting.withLock { $0 = false }
        _ = inputs.withLock { $0 }?.yield(.endNow)
    }

    /// Takes calls until graceful shutdown; then drains (see the type's comment) and returns once every
    /// call has been cleaned up.
    public func run() async throws {
        let (inputs, input) = AsyncStream.makeStream(of: Input.self, bufferingPolicy: .unbounded)
        self.inputs.withLock { $0 = input }
        defer { self.inputs.withLock { $0 = nil } }
        let events = dependencies.telephony.events()
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    for await event in events { input.yield(.telephony(event)) }
                }
                if let source = dependencies.mediaCalls {
                    let calls = source.mediaCalls()
                    group.addTask {
                        for await call in calls { input.yield(.mediaCall(call)) }
                    }
                }
                let clock = dependencies.clock
                let interval = configuration.reconcileInterval
                group.addTask {
                    while (try? await clock.sleep(for: interval)) != nil { input.yield(.reconcile) }
                }
                var shuttingDown = false
                for await next in inputs {
                    switch next {
                    case .telephony(let event):
                        route(event, group: &group, input: input)
                    case .callFinished(let channel):
                        calls.withLock { _ = $0.removeValue(forKey: channel) }
                    case .reconcile:
                        if !shuttingDown { group.addTask { await self.reconcile(input: input) } }
                    case .resume(let call, let channel):
                        if !shuttingDown { resume(call, on: channel, group: &group, input: input) }
                    case .mediaCall(let call):
                        take(call, group: &group, input: input)
                    case .outbound(let handle, let plan):
                        run(handle, group: &group, input: input) { await self.runOutbound(plan, handle: handle) }
                    case .shutdown:
                        guard !shuttingDown else { break }
                        shuttingDown = true
                        let live = calls.withLock { $0.count }
                        let grace = configuration.shutdownGrace
                        logger.notice("draining: new calls go back to the dialplan", metadata: [
                            "calls": "\(live)", "grace_ms": "\(grace.milliseconds)"])
                        group.addTask {
                            try? await clock.sleep(for: grace)
                            input.yield(.graceOver)
                        }
                    case .graceOver:
                        let live = calls.withLock { Array($0.values) }
                        if !live.isEmpty { logger.notice("drain deadline: closing live calls", metadata: ["calls": "\(live.count)"]) }
                        for handle in live { handle.send(.closing(goodbye: configuration.shutdownGoodbye)) }
                    case .endNow:
                        shuttingDown = true
                        let live = calls.withLock { Array($0.values) }
                        logger.notice("ending live calls now", metadata: ["calls": "\(live.count)"])
                        for handle in live { handle.send(.shutdown) }
                    }
                    if shuttingDown && calls.withLock({ $0.isEmpty }) { break }
                }
                group.cancelAll()
            }
            // Every call is over: the live feed's readers are let go, so the API can stop.
            dependencies.feed?.finish()
        } onGracefulShutdown: {
            self.accepting.withLock { $0 = false }
            input.yield(.shutdown)
        }
    }

    private func route(_ event: TelephonyEvent, group: inout DiscardingTaskGroup, input: AsyncStream<Input>.Continuation) {
        switch event {
        case .channelEntered(let channel):
            if let handle = handle(for: channel.id), handle.direction == .outbound {
                handle.send(.answered(channel))
                return
            }
            if channel.arguments.first == "takeover" {
                if let (call, snapshot) = adopted(channel) {
                    resume(call, on: snapshot, group: &group, input: input)
                } else {
                    logger.notice("a channel moved here by an earlier process entered; reconciling", metadata: ["channel.id": "\(channel.id)"])
                    input.yield(.reconcile)
                }
                return
            }
            if channel.arguments.first == "outbound" || channel.arguments.first == "transfer" {
                // An outbound call this process did not place (its placer restarted while it rang): no
                // conversation waits for it.
                logger.warning("answered outbound channel of no known call; hanging up", metadata: ["channel.id": "\(channel.id)"])
                group.addTask { try? await self.dependencies.telephony.hangup(channel.id, cause: .normal) }
                return
            }
            if let refusal = refusal() {
                group.addTask { await self.refuse(channel.id, reason: refusal, logger: self.logger) }
                return
            }
            let callID = CallID.random()
            let handle = CallHandle(
                callID: callID, channelID: channel.id, direction: .inbound,
                log: ConversationLog(id: .random(), callID: callID))
            launch(handle, group: &group, input: input) { await self.runInbound(channel, handle: handle) }
        case .hangupRequested(let channel, let cause, let soft):
            handle(for: channel)?.send(.hangupRequested(cause: cause, soft: soft))
        case .channelLeft(let channel):
            handle(for: channel)?.send(.channelLeft)
        case .channelDestroyed(let channel, let cause, let status):
            handle(for: channel)?.send(.destroyed(cause: cause, dialStatus: status))
        case .dtmf(let channel, let digit, _):
            handle(for: channel)?.send(.digit(digit))
        case .connection(let state):
            logger.notice("telephony connection \(state.rawValue)")
            // Whatever happened while the connection was down (or before this process started) is
            // found out by asking the server.
            if state == .connected { input.yield(.reconcile) }
        }
    }

    private func take(_ call: MediaOnlyCall, group: inout DiscardingTaskGroup, input: AsyncStream<Input>.Continuation) {
        if let refusal = refusal() {
            metrics.callRejected(reason: refusal)
            logger.warning("media-only call refused", metadata: ["audiosocket.uuid": "\(call.id)", "reason": "\(refusal)"])
            group.addTask { await call.session.close() }
            return
        }
        let callID = CallID.random()
        let channel = ChannelID("audiosocket/\(call.id)")
        let handle = CallHandle(
            callID: callID, channelID: channel, direction: .inbound, log: ConversationLog(id: .random(), callID: callID),
            preconnected: call.session)
        launch(handle, group: &group, input: input) { await self.runMediaOnly(call, handle: handle) }
    }

    private func resume(_ call: Call, on channel: ChannelSnapshot, group: inout DiscardingTaskGroup, input: AsyncStream<Input>.Continuation) {
        guard calls.withLock({ $0[channel.id] == nil }) else { return }
        let handle = CallHandle(
            callID: call.id, channelID: channel.id, direction: call.direction,
            log: ConversationLog(id: call.conversationID, callID: call.id))
        launch(handle, group: &group, input: input) { await self.runResumed(call, channel: channel, handle: handle) }
    }

    /// Registers a call this process takes on and runs `body` for it; the call is forgotten when it returns.
    private func launch(
        _ handle: CallHandle, group: inout DiscardingTaskGroup, input: AsyncStream<Input>.Continuation,
        _ body: @escaping @Sendable () async -> Void
    ) {
        register(handle)
        run(handle, group: &group, input: input, body)
    }

    /// Makes a call this process takes on known to the event routing and reconciliation.
    func register(_ handle: CallHandle) {
        takenOn.withLock { _ = $0.insert(handle.callID) }
        calls.withLock { $0[handle.channelID] = handle }
    }

    /// Forgets a registered call that never ran.
    func unregister(_ handle: CallHandle) {
        calls.withLock { _ = $0.removeValue(forKey: handle.channelID) }
        takenOn.withLock { _ = $0.remove(handle.callID) }
    }

    /// Hands `input` to the run loop; false when the service is not running.
    func start(_ input: Input) -> Bool {
        guard accepting.withLock({ $0 }), let continuation = inputs.withLock({ $0 }) else { return false }
        if case .enqueued = continuation.yield(input) { return true }
        return false
    }

    /// Runs `body` for a registered call; the call is forgotten when it returns.
    private func run(
        _ handle: CallHandle, group: inout DiscardingTaskGroup, input: AsyncStream<Input>.Continuation,
        _ body: @escaping @Sendable () async -> Void
    ) {
        group.addTask {
            // The call runs outside the service's graceful-shutdown context: the drain decides when a call
            // ends, and a connection of the call that watches for graceful shutdown itself (swift-websocket
            // closes every WebSocket when it starts: the chan_websocket media, streaming STT) would
            // otherwise cut the call at the first SIGTERM (seen on a real Asterisk 22.10.1). Cancelling
            // the service still cancels the call.
            let call = Task.detached { await body() }
            await withTaskCancellationHandler { await call.value } onCancel: { call.cancel() }
            handle.close()
            input.yield(.callFinished(handle.channelID))
        }
    }

    private func handle(for channel: ChannelID) -> CallHandle? {
        calls.withLock { $0[channel] }
    }

    func refusal() -> String? {
        if !accepting.withLock({ $0 }) { return "shutting_down" }
        if let limit = configuration.maxConcurrentCalls, calls.withLock({ $0.count }) >= limit { return "capacity" }
        return nil
    }
}
