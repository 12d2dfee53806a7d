import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import TestSupport

@testable import VoiceGatewayd

/// The daemon as `main` builds it (`buildServiceGroup`), configured through the same loader and
/// environment overrides, pointed at a fake Asterisk, with its HTTP API on a free port and its events
/// in a temporary file.
final class DaemonHarness: Sendable {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    let fake: FakeAsterisk
    let daemon: Daemon
    let baseURL: String
    let eventsFile: String
    let directory: URL
    private let running: Task<Void, any Error>

    private init(fake: FakeAsterisk, daemon: Daemon, baseURL: String, eventsFile: String, directory: URL, running: Task<Void, any Error>) {
        self.fake = fake
        self.daemon = daemon
        self.baseURL = baseURL
        self.eventsFile = eventsFile
        self.directory = directory
        self.running = running
    }

    /// Provider and conversation deadlines long enough for a machine under full load (the suite runs its
    /// tests side by side, and `make test-stability` adds busy loops): these tests are about calls, not
    /// about deadlines, which have tests of their own on a test clock.
    static let generousDeadlines = [
        "VOICEGW_PROVIDERS_STT_TIMEOUT_MS": "30000", "VOICEGW_PROVIDERS_TTS_TIMEOUT_MS": "30000",
        "VOICEGW_CONVERSATION_STT_TIMEOUT_MS": "30000", "VOICEGW_CONVERSATION_AGENT_TIMEOUT_MS": "30000",
        "VOICEGW_ARI_REQUEST_TIMEOUT_MS": "30000", "VOICEGW_MEDIA_WEBSOCKET_START_TIMEOUT_MS": "30000",
    ]

    /// Starts a fake Asterisk and the daemon; `environment` adds `VOICEGW_*` overrides.
    static func start(environment extra: [String: String] = [:], fake: FakeAsterisk? = nil) async throws -> DaemonHarness {
        let fake = fake ?? FakeAsterisk()
        try await fake.start()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vgw-e2e-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let eventsFile = directory.appendingPathComponent("events.jsonl").path
        // A random port window: other test processes may run at the same time on this machine.
        let portBase = Int.random(in: 20_000...59_000)
        var environment = [
            "VOICEGW_ARI_URL": fake.url, "VOICEGW_ARI_USERNAME": fake.username, "VOICEGW_ARI_PASSWORD": fake.password,
            "VOICEGW_ARI_APP": fake.app, "VOICEGW_HTTP_PORT": "0", "VOICEGW_EVENTS_FILE": eventsFile,
            "VOICEGW_AGENT_SCRIPT": root.appendingPathComponent("etc/agent.yaml").path,
            "VOICEGW_MEDIA_RTP_PORT_MIN": "\(portBase)", "VOICEGW_MEDIA_RTP_PORT_MAX": "\(portBase + 199)",
            "VOICEGW_LOG_LEVEL": "notice",
            // `stop()` ends live calls at once, with no goodbye (tests of the drain set their own).
            "VOICEGW_SHUTDOWN_GRACE_MS": "0", "VOICEGW_SHUTDOWN_GOODBYE": "",
        ].merging(Self.generousDeadlines) { $1 }
        environment.merge(extra) { $1 }
        let (config, _) = try DaemonConfiguration.load(file: nil, environment: environment)
        var logger = Logger(label: "e2e")
        logger.logLevel = config.logLevel
        let (ports, port) = AsyncStream.makeStream(of: Int.self)
        var hooks = DaemonHooks()
        hooks.shutdownSignals = []
        hooks.onHTTPRunning = { port.yield($0) }
        let daemon = try await buildServiceGroup(config: config, logger: logger, hooks: hooks)
        let running = Task { try await daemon.group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let bound = await iterator.next() else { throw HarnessError("the HTTP server did not start") }
        return DaemonHarness(
            fake: fake, daemon: daemon, baseURL: "http://127.0.0.1:\(bound)", eventsFile: eventsFile, directory: directory, running: running)
    }

    /// Graceful shutdown (as on SIGTERM), then stops the fake.
    func stop() async throws {
        await daemon.group.triggerGracefulShutdown()
        try await running.value
        await fake.stop()
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    /// GET on the management API (with a bearer token when given).
    func get(_ path: String, token: String? = nil) async throws -> (status: UInt, body: String) {
        var request = HTTPClientRequest(url: baseURL + path)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (response.status.code, String(buffer: body))
    }

    /// POST of a JSON body on the management API, with a bearer token.
    func post(_ path: String, token: String, json: String, headers: [String: String] = [:]) async throws -> (status: UInt, body: String) {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: json))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (response.status.code, String(buffer: body))
    }

    /// The events written so far, one decoded JSON object per line.
    func events() -> [[String: Any]] { EventsFile(path: eventsFile).events() }

    /// The raw JSONL lines written so far.
    func eventLines() -> [String] { EventsFile(path: eventsFile).lines() }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
