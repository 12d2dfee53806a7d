import Domain
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// A connection to the Asterisk Manager Interface (TCP 5038), kept open by `run()`: it logs in, sends
/// actions and waits for their responses (matched by `ActionID`, within `responseTimeout` on the
/// injected clock), and hands out the events it reads. Reconnects with `ReconnectBackoff`. The daemon's
/// fallback for call control while ARI is down (`AMIFallbackTelephony`).
public final class AMIClient: HealthReporting, Service {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var username: String
        public var secret: String
        public var responseTimeout: Duration = .seconds(5)
        public var backoff = ReconnectBackoff()

        public init(host: String, port: Int = 5038, username: String, secret: String) {
            self.host = host
            self.port = port
            self.username = username
            self.secret = secret
        }
    }

    public let dependencyName = "ami"
    /// A fallback: `/ready` shows it but does not wait for it.
    public var gatesReadiness: Bool { false }
    let configuration: Configuration
    private let clock: any Domain.Clock
    private let logger: Logger
    private let state = Mutex(State())
    private let stream: AsyncStream<AMIMessage>
    private let continuation: AsyncStream<AMIMessage>.Continuation

    private struct State {
        var writer: NIOAsyncChannelOutboundWriter<ByteBuffer>?
        var pending: [String: CheckedContinuation<AMIMessage, any Error>] = [:]
        var nextID = 0
    }

    public init(configuration: Configuration, clock: any Domain.Clock, logger: Logger) {
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        (stream, continuation) = AsyncStream.makeStream(of: AMIMessage.self, bufferingPolicy: .bufferingNewest(1024))
    }

    /// The events read (`Event: ...` messages), newest 1024 kept when nobody reads.
    public func events() -> AsyncStream<AMIMessage> { stream }

    /// Whether the client is logged in now.
    public var isConnected: Bool { state.withLock { $0.writer != nil } }

    public func dependencyState() async -> DependencyState { isConnected ? .connected : .disconnected }

    /// Sends `action` with `fields` and returns its response; a `Response: Error` throws `badRequest`
    /// with Asterisk's message, no connection throws `network`, no answer in time throws `timeout`.
    @discardableResult
    public func send(_ action: String, _ fields: [(String, String)] = []) async throws(ProviderError) -> AMIMessage {
        let id = state.withLock { state -> String in
            state.nextID += 1
            return "voicegw-\(state.nextID)"
        }
        let text = AMIMessage([("Action", action), ("ActionID", id)] + fields).wire
        let clock = self.clock
        let timeout = configuration.responseTimeout
        let outcome: Result<AMIMessage, ProviderError> = await withTaskGroup(of: Result<AMIMessage, ProviderError>?.self) { group in
            group.addTask { [self] in
                do {
                    let message = try await withCheckedThrowingContinuation { (waiter: CheckedContinuation<AMIMessage, any Error>) in
                        let writer = state.withLock { state -> NIOAsyncChannelOutboundWriter<ByteBuffer>? in
                            guard let writer = state.writer else { return nil }
                            state.pending[id] = waiter
                            return writer
                        }
                        guard let writer else {
                            waiter.resume(throwing: ProviderError(.network, provider: "ami", "not connected to the Asterisk Manager Interface"))
                            return
                        }
                        Task {
                            do { try await writer.write(ByteBuffer(string: text)) } catch {
                                self.state.withLock { $0.pending.removeValue(forKey: id) }?.resume(throwing: error)
                            }
                        }
                    }
                    return .success(message)
                } catch let error as ProviderError {
                    return .failure(error)
                } catch {
                    return .failure(ProviderError(.network, provider: "ami", "\(action): \(error)"))
                }
            }
            group.addTask {
                try? await clock.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            if first == nil {
                state.withLock { $0.pending.removeValue(forKey: id) }?.resume(throwing: ProviderError(.timeout, provider: "ami", "\(action): no response"))
                _ = await group.next()
                return .failure(ProviderError(.timeout, provider: "ami", "\(action): no response within \(timeout)"))
            }
            return first!
        }
        let response = try outcome.get()
        guard response.response?.lowercased() != "error" else {
            throw ProviderError(.badRequest, provider: "ami", "\(action): \(response["Message"] ?? "error")")
        }
        return response
    }

    /// Keeps the connection until graceful shutdown or cancellation.
    public func run() async throws {
        await cancellingOnGracefulShutdown { [self] in
            var backoff = configuration.backoff
            while !Task.isCancelled {
                let started = clock.monotonic()
                var loggedIn = false
                do {
                    try await connectOnce { loggedIn = true }
                } catch {
                    if !Task.isCancelled {
                        logger.warning("AMI connection failed", metadata: ["ami.host": "\(configuration.host):\(configuration.port)", "error": "\(error)"])
                    }
                }
                disconnected()
                if Task.isCancelled { break }
                let delay = backoff.failed(after: loggedIn ? clock.monotonic() - started : .zero) { Double.random(in: 0..<1) }
                do { try await clock.sleep(for: delay) } catch { break }
            }
        }
        disconnected()
        continuation.finish()
    }

    private func connectOnce(onLogin: () -> Void) async throws {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(5))
            .connect(host: configuration.host, port: configuration.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(AMIFrameDecoder()))
                    return try NIOAsyncChannel<AMIMessage, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        try await channel.executeThenClose { inbound, outbound in
            var messages = inbound.makeAsyncIterator()
            guard let banner = try await messages.next(), banner["Banner"]?.hasPrefix("Asterisk Call Manager") == true else {
                throw ProviderError(.badResponse, provider: "ami", "no Asterisk Call Manager banner")
            }
            try await outbound.write(ByteBuffer(string: AMIMessage([
                ("Action", "Login"), ("ActionID", "voicegw-login"), ("Username", configuration.username), ("Secret", configuration.secret),
                ("Events", "call"),
            ]).wire))
            while let message = try await messages.next() {
                guard message.actionID == "voicegw-login" else { continue }
                guard message.response?.lowercased() == "success" else {
                    throw ProviderError(.auth, provider: "ami", "login refused: \(message["Message"] ?? "")")
                }
                break
            }
            state.withLock { $0.writer = outbound }
            onLogin()
            logger.info("AMI connected", metadata: ["ami.host": "\(configuration.host):\(configuration.port)"])
            while let message = try await messages.next() {
                if message.event != nil {
                    continuation.yield(message)
                } else if let id = message.actionID {
                    state.withLock { $0.pending.removeValue(forKey: id) }?.resume(returning: message)
                }
            }
        }
    }

    private func disconnected() {
        let (waiters, was) = state.withLock { state -> ([CheckedContinuation<AMIMessage, any Error>], Bool) in
            let waiters = Array(state.pending.values)
            state.pending.removeAll()
            let was = state.writer != nil
            state.writer = nil
            return (waiters, was)
        }
        for waiter in waiters { waiter.resume(throwing: ProviderError(.network, provider: "ami", "the AMI connection closed")) }
        if was { logger.warning("AMI connection lost; reconnecting") }
    }
}
