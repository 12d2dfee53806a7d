import CHiredis
import Domain
import Glibc
import Logging
import NIOPosix
import Synchronization

/// One blocking hiredis connection, driven on its own thread so that Swift's cooperative pool never
/// blocks on Redis. Commands are serialised on that thread in call order.
///
/// A broken connection is dropped and re-dialled on the next command, no sooner than the reconnect
/// backoff allows (attempts inside the backoff fail fast with `unavailable`). Errors are `ProviderError`
/// with provider `redis`: `network`/`timeout` when the connection broke, `unavailable` during backoff,
/// `auth` when the password is refused.
public final class RedisConnection: Sendable {
    private let endpoint: RedisEndpoint
    private let connectTimeout: Duration
    private let commandTimeout: Duration
    private let clock: any Domain.Clock
    private let logger: Logger
    private let thread: NIOThreadPool
    /// Only touched on `thread`; the Mutex makes that visible to the compiler and guards `close()`.
    private let state: Mutex<State>

    private struct State {
        var context: UnsafeMutablePointer<redisContext>?
        var backoff: ReconnectBackoff
        var closed = false
    }

    /// A connection to `configuration.endpoint`; nothing is dialled until the first command.
    public init(configuration: RedisConfiguration, clock: any Domain.Clock, logger: Logger) {
        self.endpoint = configuration.endpoint
        self.connectTimeout = configuration.connectTimeout
        self.commandTimeout = configuration.commandTimeout
        self.clock = clock
        self.logger = logger
        self.thread = NIOThreadPool(numberOfThreads: 1)
        self.thread.start()
        self.state = Mutex(State(backoff: ReconnectBackoff(initial: configuration.reconnectInitial, maximum: configuration.reconnectMaximum)))
    }

    deinit {
        state.withLock { state in
            if let context = state.context { redisFree(context) }
            state.context = nil
        }
        thread.shutdownGracefully { _ in }
    }

    /// Whether a connection is established right now (without dialling).
    public var isConnected: Bool { state.withLock { $0.context != nil } }

    /// Runs one command (`["SET", key, value]`). An error reply is returned as `.error`, not thrown.
    public func command(_ arguments: [String]) async throws(ProviderError) -> RedisValue {
        try await pipeline([arguments])[0]
    }

    /// Sends several commands in one round trip and returns their replies in order.
    public func pipeline(_ commands: [[String]]) async throws(ProviderError) -> [RedisValue] {
        let result: Result<[RedisValue], ProviderError>
        do {
            result = try await thread.runIfActive { self.runBlocking(commands) }
        } catch is CancellationError {
            // The caller's task was cancelled before the command was sent: not a Redis failure.
            throw ProviderError(.cancelled, provider: "redis", "cancelled before sending")
        } catch {
            throw ProviderError(.unavailable, provider: "redis", "connection closed")
        }
        return try result.get()
    }

    /// Drops the connection; later commands fail with `unavailable`.
    public func close() async {
        state.withLock { state in
            if let context = state.context { redisFree(context) }
            state.context = nil
            state.closed = true
        }
        try? await thread.shutdownGracefully()
    }

    // MARK: On the connection thread

    private func runBlocking(_ commands: [[String]]) -> Result<[RedisValue], ProviderError> {
        state.withLock { state -> Result<[RedisValue], ProviderError> in
            if state.closed { return .failure(ProviderError(.unavailable, provider: "redis", "connection closed")) }
            if state.context == nil {
                let now = clock.monotonic()
                guard state.backoff.mayAttempt(at: now) else {
                    return .failure(ProviderError(.unavailable, provider: "redis", "reconnecting to \(endpoint) (backoff)"))
                }
                switch dial() {
                case .success(let context):
                    state.context = context
                    state.backoff.succeeded()
                    logger.info("connected to Redis", metadata: ["redis.endpoint": "\(endpoint)"])
                case .failure(let error):
                    state.backoff.failed(at: now)
                    return .failure(error)
                }
            }
            guard let context = state.context else { return .failure(ProviderError(.unavailable, provider: "redis", "no connection")) }
            switch exchange(context, commands) {
            case .success(let replies): return .success(replies)
            case .failure(let error):
                redisFree(context)
                state.context = nil
                state.backoff.failed(at: clock.monotonic())
                logger.warning("Redis connection lost", metadata: ["redis.endpoint": "\(endpoint)", "error": "\(error)"])
                return .failure(error)
            }
        }
    }

    private func dial() -> Result<UnsafeMutablePointer<redisContext>, ProviderError> {
        guard let context = redisConnectWithTimeout(endpoint.host, Int32(endpoint.port), timeval(connectTimeout)) else {
            return .failure(ProviderError(.network, provider: "redis", "cannot allocate a connection"))
        }
        if context.pointee.err != 0 {
            let error = classify(context)
            redisFree(context)
            return .failure(error)
        }
        redisSetTimeout(context, timeval(commandTimeout))
        redisEnableKeepAlive(context)
        var setup: [[String]] = []
        if let password = endpoint.password { setup.append(["AUTH", password]) }
        if endpoint.database != 0 { setup.append(["SELECT", String(endpoint.database)]) }
        if !setup.isEmpty {
            switch exchange(context, setup) {
            case .success(let replies):
                if let refusal = replies.first(where: { if case .error = $0 { true } else { false } }), case .error(let text) = refusal {
                    redisFree(context)
                    let kind: ProviderError.Kind = text.contains("WRONGPASS") || text.contains("AUTH") || text.contains("NOAUTH") ? .auth : .badRequest
                    return .failure(ProviderError(kind, provider: "redis", text))
                }
            case .failure(let error):
                redisFree(context)
                return .failure(error)
            }
        }
        return .success(context)
    }

    /// Appends every command, then reads every reply (one round trip).
    private func exchange(_ context: UnsafeMutablePointer<redisContext>, _ commands: [[String]]) -> Result<[RedisValue], ProviderError> {
        for arguments in commands {
            let status = withArgv(arguments) { argc, argv, lengths in redisAppendCommandArgv(context, argc, argv, lengths) }
            if status != REDIS_OK { return .failure(classify(context)) }
        }
        var replies: [RedisValue] = []
        replies.reserveCapacity(commands.count)
        for _ in commands {
            var raw: UnsafeMutableRawPointer?
            if redisGetReply(context, &raw) != REDIS_OK || raw == nil { return .failure(classify(context)) }
            let reply = raw!.assumingMemoryBound(to: redisReply.self)
            replies.append(RedisValue(copying: reply))
            freeReplyObject(raw)
        }
        return .success(replies)
    }

    private func classify(_ context: UnsafeMutablePointer<redisContext>) -> ProviderError {
        let message = withUnsafeBytes(of: context.pointee.errstr) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        let timedOut = context.pointee.err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK || message.contains("timed out"))
        return ProviderError(timedOut ? .timeout : .network, provider: "redis", "\(endpoint): \(message.isEmpty ? "connection error" : message)")
    }
}

private func timeval(_ duration: Duration) -> Glibc.timeval {
    let micros = duration.milliseconds * 1000
    return Glibc.timeval(tv_sec: Int(micros / 1_000_000), tv_usec: Int(micros % 1_000_000))
}

/// Calls `body` with C `argv`/`argvlen` arrays for `arguments` (binary-safe lengths).
private func withArgv<R>(_ arguments: [String], _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> R) -> R {
    let buffers = arguments.map { Array($0.utf8CString) }
    let lengths = arguments.map { $0.utf8.count }
    var pointers: [UnsafePointer<CChar>?] = []
    pointers.reserveCapacity(buffers.count)
    return withExtendedLifetime(buffers) {
        var bases: [UnsafeMutablePointer<CChar>] = []
        for buffer in buffers {
            let copy = UnsafeMutablePointer<CChar>.allocate(capacity: buffer.count)
            copy.initialize(from: buffer, count: buffer.count)
            bases.append(copy)
            pointers.append(UnsafePointer(copy))
        }
        defer { bases.forEach { $0.deallocate() } }
        return pointers.withUnsafeMutableBufferPointer { argv in
            lengths.withUnsafeBufferPointer { body(Int32(arguments.count), argv.baseAddress!, $0.baseAddress!) }
        }
    }
}
