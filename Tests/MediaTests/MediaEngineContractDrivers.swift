import Application
import AsteriskARI
import Domain
import Foundation
import Media
import Synchronization
import Testing
import TestSupport

// MARK: Drivers

/// The engines the contract runs over.
enum MediaAdapter: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case inMemory, rtp, audiosocket, websocket

    var testDescription: String { rawValue }

    func start() async throws -> any MediaDriver {
        switch self {
        case .inMemory: InMemoryMediaDriver()
        case .rtp: try await TransportMediaDriver.start(.rtp)
        case .audiosocket: try await TransportMediaDriver.start(.audiosocket)
        case .websocket: try await TransportMediaDriver.start(.websocket)
        }
    }
}

/// The peer side of a media engine, as a contract test needs it.
protocol MediaDriver: Sendable {
    /// Samples per frame the peer receives (20 ms at the wire rate).
    var wireFrameSamples: Int { get }
    /// Opens a session and connects it to its peer.
    func open() async throws -> any MediaSession
    /// The caller speaks `samples` (16 kHz) into the session opened last.
    func sendCallerAudio(_ samples: [Int16]) async throws
    /// The frames that reached the peer, in order.
    func received() async -> [[Int16]]
    /// Makes sure a long playback is still running when the test flushes it.
    func keepPlaying(_ session: any MediaSession) async
    /// Undoes `keepPlaying`.
    func letPlay(_ session: any MediaSession) async
    func stop() async
}

/// The in-memory engine: the peer is the session's own record, and playback is held at the gate so
/// that a flush finds it running.
final class InMemoryMediaDriver: MediaDriver {
    let engine = InMemoryMediaEngine()
    private let opened = Mutex<InMemoryMediaSession?>(nil)
    let wireFrameSamples = 320

    func open() async throws -> any MediaSession {
        let session = try #require(try await engine.openSession(for: "call-1", transport: .rtp) as? InMemoryMediaSession)
        try await session.connect(MediaAttachment(callChannel: "c", mediaChannel: "m", bridge: "b", variables: [:]))
        opened.withLock { $0 = session }
        return session
    }

    func sendCallerAudio(_ samples: [Int16]) async throws {
        let session = try #require(opened.withLock { $0 })
        await session.pushCallerAudio(samples)
    }

    func received() async -> [[Int16]] {
        await opened.withLock { $0 }?.playedFrames.map(\.samples) ?? []
    }

    func keepPlaying(_ session: any MediaSession) async {
        guard let session = session as? InMemoryMediaSession else { return }
        await session.holdPlayback()
        await session.allowFrames(5)
    }

    func letPlay(_ session: any MediaSession) async {
        await (session as? InMemoryMediaSession)?.releasePlayback()
    }

    func stop() async {
        #expect(await engine.openSessions().isEmpty, "in-memory sessions left open")
    }
}

/// A real engine through ARI and the fake Asterisk (`TransportHarness`).
final class TransportMediaDriver: MediaDriver {
    let harness: TransportHarness
    let transport: MediaTransportKind
    private let call = Mutex<(channel: String, attachment: MediaAttachment)?>(nil)
    var wireFrameSamples: Int { transport == .rtp ? 160 : 320 }

    private init(harness: TransportHarness, transport: MediaTransportKind) {
        self.harness = harness
        self.transport = transport
    }

    static func start(_ transport: MediaTransportKind) async throws -> TransportMediaDriver {
        let harness = try await TransportHarness.start(rtpPorts: 41700...41799)
        // The harness waits for ARI to be connected; the fake also has to have subscribed it, or the media
        // channel's StasisStart (which startMedia waits for) can go nowhere on a loaded machine.
        try #require(await eventually { harness.fake.eventClientCount > 0 }, "the fake never subscribed ARI")
        return TransportMediaDriver(harness: harness, transport: transport)
    }

    func open() async throws -> any MediaSession {
        let (channel, session, attachment) = try await harness.call(transport)
        call.withLock { $0 = (channel, attachment) }
        return session
    }

    func sendCallerAudio(_ samples: [Int16]) async throws {
        let channel = try #require(call.withLock { $0?.channel })
        try await harness.sendCallerAudio(samples, transport: transport, channel: channel)
    }

    func received() async -> [[Int16]] {
        guard let channel = call.withLock({ $0?.channel }) else { return [] }
        return harness.receivedAudio(transport, channel: channel).map(\.samples)
    }

    func keepPlaying(_ session: any MediaSession) async {}
    func letPlay(_ session: any MediaSession) async {}

    func stop() async {
        if let attachment = call.withLock({ $0?.attachment }) { await harness.ari.stopMedia(attachment) }
        await harness.stop()
    }
}
