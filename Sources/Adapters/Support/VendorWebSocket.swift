import Domain
import HTTPTypes
import Logging
import NIOCore
import WSClient
import WSCore

/// A vendor's streaming WebSocket (speech-to-text streams): connects, hands the open connection to a
/// pump, and classifies how it ended.
public enum VendorWebSocket {
    /// What goes out on the connection.
    public enum Outgoing: Sendable {
        case binary([UInt8])
        case text(String)
    }

    /// Connects to `url` and returns the task running the connection once the WebSocket is open, or
    /// throws why it could not open (a refused upgrade classified by its HTTP status, `.timeout` after
    /// `timeout`). `pump` runs while the connection is open; `ended` is called once with the failure
    /// that ended it (nil: a normal close), after a warning unless `quiet()` says the end was expected.
    public static func open(
        url: String, headers: HTTPFields, provider: String, timeout: Duration, logger: Logger,
        pump: @escaping @Sendable (WebSocketInboundStream, WebSocketOutboundWriter) async throws -> Void,
        quiet: @escaping @Sendable () -> Bool, ended: @escaping @Sendable (ProviderError?) -> Void
    ) async throws(ProviderError) -> Task<Void, Never> {
        let opened = OpenSignal()
        let runner = Task {
            do {
                let configuration = WebSocketClientConfiguration(maxFrameSize: 1 << 20, additionalHeaders: headers)
                let close = try await WebSocketClient.connect(url: url, configuration: configuration, logger: logger) { inbound, outbound, _ in
                    opened.signal(nil)
                    try await pump(inbound, outbound)
                }
                let failure = WebSocketFailure.classify(close: close, provider: provider)
                if let failure, !quiet() {
                    logger.warning("provider stream failed", metadata: ["provider": "\(provider)", "error.kind": "\(failure.kind)", "error": "\(failure.message)"])
                }
                ended(failure)
            } catch {
                let failure = (error as? WebSocketClientError) == .webSocketUpgradeFailed
                    ? await UpgradeRefusal.classify(url: url, headers: headers, provider: provider, timeout: timeout)
                    : WebSocketFailure.classify(error, provider: provider)
                opened.signal(failure)
                ended(failure)
            }
            opened.signal(ProviderError(.network, provider: provider, "connection closed before it opened"))
        }
        let timer = Task {
            try await Task.sleep(for: timeout)
            opened.signal(ProviderError(.timeout, provider: provider, "no WebSocket handshake within \(timeout)"))
        }
        defer { timer.cancel() }
        if let failure = await opened.wait() {
            runner.cancel()
            logger.warning("provider request failed", metadata: ["provider": "\(provider)", "error.kind": "\(failure.kind)", "error": "\(failure.message)"])
            throw failure
        }
        return runner
    }

    /// Writes `outgoing` as it comes while handing every inbound message to `receive`, until the
    /// connection closes or `receive` returns false.
    public static func pump(
        outgoing: AsyncStream<Outgoing>, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter,
        receive: (WebSocketMessage) -> Bool
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await item in outgoing {
                    switch item {
                    case .binary(let bytes): try await outbound.write(.binary(ByteBuffer(bytes: bytes)))
                    case .text(let text): try await outbound.write(.text(text))
                    }
                }
            }
            for try await message in inbound.messages(maxSize: 1 << 20) {
                if !receive(message) { break }
            }
            group.cancelAll()
        }
    }
}
