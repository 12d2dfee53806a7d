import Domain
import Logging
import NIOCore
import Synchronization
import WSClient

/// The ARI events WebSocket, kept open: connecting registers the Stasis app; a drop (with or without a
/// close frame) is followed by reconnects with `ReconnectBackoff` until the task is cancelled.
struct ARIEventConnection: Sendable {
    let url: String
    let clock: any Domain.Clock
    let logger: Logger
    let backoff: ReconnectBackoff

    /// Runs until cancelled. `onState` reports up/down; `onText` gets each event frame.
    func run(onState: @escaping @Sendable (Bool) -> Void, onText: @escaping @Sendable (String) -> Void) async {
        var backoff = self.backoff
        let redacted = url.replacingOccurrences(of: #"api_key=[^&]*"#, with: "api_key=***", options: .regularExpression)
        while !Task.isCancelled {
            let up = Mutex<Duration?>(nil)
            do {
                let configuration = WebSocketClientConfiguration(maxFrameSize: 1 << 22, autoPing: .enabled(timePeriod: .seconds(20)))
                try await WebSocketClient.connect(url: url, configuration: configuration, logger: logger) { inbound, _, _ in
                    up.withLock { $0 = clock.monotonic() }
                    logger.info("ARI events connected", metadata: ["ari.url": "\(redacted)"])
                    onState(true)
                    for try await message in inbound.messages(maxSize: 1 << 22) {
                        if case .text(let text) = message { onText(text) }
                    }
                }
            } catch {
                if !Task.isCancelled {
                    logger.warning("ARI events connection failed", metadata: ["ari.url": "\(redacted)", "error": "\(error)"])
                }
            }
            let connectedAt = up.withLock { $0 }
            if connectedAt != nil {
                onState(false)
                if !Task.isCancelled { logger.warning("ARI events connection lost; reconnecting") }
            }
            if Task.isCancelled { break }
            let uptime = connectedAt.map { clock.monotonic() - $0 } ?? .zero
            let delay = backoff.failed(after: uptime) { Double.random(in: 0..<1) }
            do { try await clock.sleep(for: delay) } catch { break }
        }
    }
}
