import Foundation
import NIOCore

/// A channel in the fake Asterisk.
struct FakeChannel: Sendable {
    var id: String
    var name: String
    var state: String
    var callerNumber: String
    var exten: String
    var context: String
    var appData: String
    var isMedia: Bool
    var inStasis: Bool
    var bridge: String?
    var variables: [String: String] = [:]
    var created = Date()
    /// Created by `POST /channels` (the app sees its dial and its destruction).
    var originated = false
}

/// One REST request the fake received.
public struct FakeRequest: Sendable, Hashable, CustomStringConvertible {
    public let method: String
    public let path: String
    public let query: [String: String]
    public var description: String { "\(method) \(path) \(query.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "&"))" }
}

/// Everything the fake knows, behind its lock.
struct FakeAsteriskState {
    /// Media channels whose StasisStart waits for `releaseHeldStasis()`.
    var heldStasis: [String] = []
    var holdingStasis = false
    var channels: [String: FakeChannel] = [:]
    var bridges: [String: [String]] = [:]
    var bridgeCreated: [String: Date] = [:]
    var requests: [FakeRequest] = []
    var eventClients: [ObjectIdentifier: any Channel] = [:]
    /// Every accepted connection (REST, events, media WebSockets).
    var connections: [ObjectIdentifier: any Channel] = [:]
    /// The application each event connection registered.
    var eventApps: [ObjectIdentifier: String] = [:]
    /// Per application, the connection that gets its events: the last to register it (Asterisk's
    /// `app_update`: the one before gets `ApplicationReplaced` and nothing more).
    var activeEventClient: [String: ObjectIdentifier] = [:]
    /// The application each channel is in, or was created for (kept after it is gone, for its last events).
    var channelApps: [String: String] = [:]
    /// Event connections accepted but not yet upgraded, with the events broadcast meanwhile: Asterisk
    /// sends every event from the moment it answered the upgrade, so none may be lost in between.
    var pendingEventClients: [ObjectIdentifier: [String]] = [:]
    var refuseUntil: ContinuousClock.Instant?
    var rtpPeers: [String: FakeRTPPeer] = [:]
    var audioSocketPeers: [String: FakeAudioSocketPeer] = [:]
    /// chan_websocket channels by channel id, and the same peers by connection id.
    var webSocketPeers: [String: FakeMediaWebSocketPeer] = [:]
    var webSocketConnections: [String: FakeMediaWebSocketPeer] = [:]
    var transfers: [(channel: String, context: String, extension: String)] = []
    /// Channels that left through `continue`, with their variables at that moment.
    var continued: [String: [String: String]] = [:]
    var recordings: [String: FakeAsterisk.FakeRecording] = [:]
    /// Answers to `POST /bridges/{id}/record` held back by the test (nil: answered at once).
    var heldRecordStarts: [CheckedContinuation<Void, Never>]?
    var counter = 0
    /// The Manager Interface, once started.
    var ami: FakeAMI?

    mutating func nextID() -> String {
        counter += 1
        return "1795340170.\(counter)"
    }
}
