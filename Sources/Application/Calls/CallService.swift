import Domain
import Logging
import ServiceLifecycle
import Synchronization

/// The call use cases: takes calls from the telephony server, runs each one's conversation, and ends
/// every call cleanly (caller hangup, daemon hangup, error, shutdown). The only writer of `Call`.
public final class CallService: Service, Sendable {
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

    private enum Input: Sendable {
        case telephony(TelephonyEvent)
        case callFinished(ChannelID)
        case shutdown
    }

    let dependencies: Dependencies
    let configuration: CallServiceConfiguration
    let metrics: VoiceMetrics
    let logger: Logger
    private let calls = Mutex<[ChannelID: CallHandle]>([:])
    private let accepting = Mutex(true)

    public init(dependencies: Dependencies, configuration: CallServiceConfiguration, metrics: VoiceMetrics, logger: Logger) {
        self.dependencies = dependencies
        self.configuration = configuration
        self.metrics = metrics
        self.logger = logger
    }

    /// The ids of the calls in progress.
    public var activeCalls: [CallID] { calls.withLock { $0.values.map(\.callID) } }

    /// The conversation of a live call, if it is one of ours.
    public func conversation(of id: CallID) -> Conversation? {
        calls.withLock { $0.values.first { $0.callID == id } }?.log.snapshot
    }

    /// Takes calls until graceful shutdown; then refuses new calls, ends the live ones and returns once
    /// all of them have been cleaned up.
    public func run() async throws {
        let (inputs, input) = AsyncStream.makeStream(of: Input.self, bufferingPolicy: .unbounded)
        let events = dependencies.telephony.events()
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    for await event in events { input.yield(.telephony(event)) }
                }
                var shuttingDown = false
                for await next in inputs {
                    switch next {
                    case .telephony(let event):
                        route(event, group: &group, input: input)
                    case .callFinished(let channel):
                        calls.withLock { _ = $0.removeValue(forKey: channel) }
                    case .shutdown:
                        shuttingDown = true
                        let live = calls.withLock { Array($0.values) }
                        logger.info("shutting down: ending live calls", metadata: ["calls": "\(live.count)"])
                        for handle in live { handle.send(.shutdown) }
                    }
                    if shuttingDown && calls.withLock({ $0.isEmpty }) { break }
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.accepting.withLock { $0 = false }
            input.yield(.shutdown)
        }
    }

    private func route(_ event: TelephonyEvent, group: inout DiscardingTaskGroup, input: AsyncStream<Input>.Continuation) {
        switch event {
        case .channelEntered(let channel):
            if let refusal = refusal() {
                metrics.callRejected(reason: refusal)
                logger.warning("call refused", metadata: ["channel.id": "\(channel.id)", "reason": "\(refusal)"])
                let telephony = dependencies.telephony
                group.addTask { try? await telephony.hangup(channel.id, cause: .congestion) }
                return
            }
            let callID = CallID.random()
            let handle = CallHandle(
                callID: callID, channelID: channel.id, direction: .inbound,
                log: ConversationLog(id: .random(), callID: callID))
            calls.withLock { $0[channel.id] = handle }
            group.addTask {
                await self.runInbound(channel, handle: handle)
                handle.close()
                input.yield(.callFinished(channel.id))
            }
        case .hangupRequested(let channel, let cause, let soft):
            handle(for: channel)?.send(.hangupRequested(cause: cause, soft: soft))
        case .channelLeft(let channel):
            handle(for: channel)?.send(.channelLeft)
        case .dtmf(let channel, let digit, _):
            handle(for: channel)?.send(.digit(digit))
        case .connection(let state):
            logger.notice("telephony connection \(state.rawValue)")
        }
    }

    private func handle(for channel: ChannelID) -> CallHandle? {
        calls.withLock { $0[channel] }
    }

    private func refusal() -> String? {
        if !accepting.withLock({ $0 }) { return "shutting_down" }
        if let limit = configuration.maxConcurrentCalls, calls.withLock({ $0.count }) >= limit { return "capacity" }
        return nil
    }
}
