import Domain
import Synchronization

/// What the call service tells a running call.
enum CallSignal: Sendable, Hashable {
    case hangupRequested(cause: Int?, soft: Bool)
    case channelLeft
    case digit(String)
    /// The daemon is shutting down: end the call now, without a word.
    case shutdown
    /// The drain deadline passed: say `goodbye` (nothing when empty), then end the call.
    case closing(goodbye: String)
    /// An operator's command (management API).
    case command(CallCommand)
    /// The callee of an outbound call answered: its channel entered the application.
    case answered(IncomingChannel)
    /// The channel is gone (`ChannelDestroyed`) with its Q.850 cause and its dial's last status.
    case destroyed(cause: Int?, dialStatus: String?)
}

/// The call service's link to one live call.
final class CallHandle: Sendable {
    let callID: CallID
    let channelID: ChannelID
    let direction: CallDirection
    let log: ConversationLog
    /// What the call has set up so far.
    let resources = CallResources()
    let signals: AsyncStream<CallSignal>
    private let continuation: AsyncStream<CallSignal>.Continuation

    /// The media a media-only call arrived with (dialplan AudioSocket); nil for calls under ARI control.
    let preconnected: (any MediaSession)?

    private let dialing = Mutex(false)
    /// An outbound call whose callee has not answered yet (its channel is not in the application).
    var isDialing: Bool {
        get { dialing.withLock { $0 } }
        set { dialing.withLock { $0 = newValue } }
    }

    /// Whether the telephony server controls the call (its channel is in the application).
    var viaTelephony: Bool { preconnected == nil }

    init(callID: CallID, channelID: ChannelID, direction: CallDirection, log: ConversationLog, preconnected: (any MediaSession)? = nil) {
        self.preconnected = preconnected
        self.callID = callID
        self.channelID = channelID
        self.direction = direction
        self.log = log
        (signals, continuation) = AsyncStream.makeStream(of: CallSignal.self, bufferingPolicy: .unbounded)
    }

    func send(_ signal: CallSignal) { continuation.yield(signal) }
    func close() { continuation.finish() }
}

/// What a call set up, so that cleanup can undo exactly that, on every path.
final class CallResources: Sendable {
    private struct State {
        var media: (any MediaSession)?
        var attachment: MediaAttachment?
        var agent: (any AgentConversation)?
        var hungUpByDaemon = false
        var transferring = false
        var warmLeg: WarmTransferLeg?
        var recording: CallRecording?
    }
    private let state = Mutex(State())

    var media: (any MediaSession)? {
        get { state.withLock { $0.media } }
        set { state.withLock { $0.media = newValue } }
    }
    var attachment: MediaAttachment? {
        get { state.withLock { $0.attachment } }
        set { state.withLock { $0.attachment = newValue } }
    }
    /// The media channel and bridge ids in use (for reconciliation).
    var mediaIDs: Set<String> {
        guard let attachment else { return [] }
        return Set([attachment.mediaChannel.rawValue, attachment.bridge?.rawValue].compactMap { $0 })
    }
    var agent: (any AgentConversation)? {
        get { state.withLock { $0.agent } }
        set { state.withLock { $0.agent = newValue } }
    }
    /// The call's recording, once started.
    var recording: CallRecording? {
        get { state.withLock { $0.recording } }
        set { state.withLock { $0.recording = newValue } }
    }
    /// Marks the recording started; true when it was opted out while Asterisk was starting it (the
    /// starter then deletes it).
    func recordingStarted() -> Bool {
        state.withLock { state in
            state.recording?.started = true
            return state.recording?.optedOut ?? false
        }
    }
    /// Marks the recording opted out; the recording as it was, nil when there is none or it was opted
    /// out already.
    func optOutOfRecording() -> CallRecording? {
        state.withLock { state in
            guard let recording = state.recording, !recording.optedOut else { return nil }
            state.recording?.optedOut = true
            return recording
        }
    }
    /// A blind transfer is under way: the channel leaving the application is the transfer, not a hangup.
    var transferring: Bool {
        get { state.withLock { $0.transferring } }
        set { state.withLock { $0.transferring = newValue } }
    }
    /// The target and bridge of a completed warm transfer, supervised until either party hangs up.
    var warmLeg: WarmTransferLeg? {
        get { state.withLock { $0.warmLeg } }
        set { state.withLock { $0.warmLeg = newValue } }
    }
}
