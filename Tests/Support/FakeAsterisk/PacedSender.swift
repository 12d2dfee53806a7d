import NIOCore

/// Sends a caller's packets on absolute 20 ms deadlines from the socket's own event loop, as Asterisk
/// sends from its timing thread: the pacing does not wait for the Swift concurrency pool, which a busy
/// test process can hold for hundreds of milliseconds (a caller "pausing" in mid-sentence). A loop that
/// is late sends what is due at once, in order.
enum PacedSender {
    /// Writes `messages[n]` at `start + n * interval`; returns when every write has completed. With
    /// `stopWhenClosed`, a connection the other side closed ends the sending quietly (a caller who is
    /// hung up on stops talking) instead of failing.
    static func send<Message: Sendable>(
        _ messages: [Message], interval: TimeAmount, on channel: any Channel, stopWhenClosed: Bool = false
    ) async throws {
        let loop = channel.eventLoop
        let start = NIODeadline.now()
        let writes = messages.enumerated().map { index, message in
            loop.scheduleTask(deadline: start + interval * Int64(index)) {
                channel.writeAndFlush(message).flatMapErrorThrowing { error in
                    guard stopWhenClosed, !channel.isActive else { throw error }
                }
            }.futureResult.flatMap { $0 }
        }
        try await EventLoopFuture.andAllSucceed(writes, on: loop).get()
    }
}
