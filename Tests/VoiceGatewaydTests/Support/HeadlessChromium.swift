import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import Synchronization
import TestSupport
import WSClient

/// A real headless Chromium (Debian's `chromium`) driven over the DevTools protocol: one page, its
/// console errors and uncaught exceptions collected, JavaScript evaluated in it, screenshots taken.
final class HeadlessChromium: Sendable {
    /// Messages the page logged as errors (console.error, uncaught exceptions, failed loads, CSP refusals).
    var errors: [String] { shared.state.withLock { $0.errors } }

    private struct State {
        var nextID = 0
        var waiting: [Int: CheckedContinuation<Data, any Error>] = [:]
        var errors: [String] = []
        var outgoing: AsyncStream<String>.Continuation?
    }
    private final class Shared: Sendable {
        let state = Mutex(State())
    }
    private let shared = Shared()
    private let process: Process
    private let profile: URL
    private let connection: Task<Void, Never>

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The binary, when installed.
    static var binary: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Starts Chromium and connects to its first page; stops it again when that fails.
    init() async throws {
        guard let binary = Self.binary else { throw Failure(description: "chromium is not installed") }
        profile = FileManager.default.temporaryDirectory.appendingPathComponent("vgw-chromium-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
        process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
            "--disable-extensions", "--disable-background-networking", "--remote-debugging-port=0",
            // The WebSocket client sends an Origin; DevTools refuses any it was not told to allow (loopback only here).
            "--remote-allow-origins=*", "--user-data-dir=\(profile.path)",
            "--window-size=1280,900", "about:blank",
        ]
        let errorPipe = Pipe()
        process.standardError = errorPipe
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let (process, profile) = (self.process, self.profile)
        func giveUp(_ message: String) -> Failure {
            process.terminate()
            process.waitUntilExit()
            try? FileManager.default.removeItem(at: profile)
            return Failure(description: message)
        }
        // Chromium writes the DevTools port to DevToolsActivePort in the profile once it listens.
        let portFile = profile.appendingPathComponent("DevToolsActivePort")
        var port: Int?
        _ = await eventually(timeout: .seconds(60)) {
            port = (try? String(contentsOf: portFile, encoding: .utf8))?.split(separator: "\n").first.flatMap { Int($0) }
            return port != nil
        }
        guard let port else { throw giveUp("chromium never opened its DevTools port") }
        var pageURL: String?
        _ = await eventually(timeout: .seconds(30)) {
            guard let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/json/list"), timeout: .seconds(5)),
                let body = try? await response.body.collect(upTo: 1 << 20),
                let targets = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [[String: Any]]
            else { return false }
            // Chromium names itself localhost but listens on 127.0.0.1 only.
            pageURL = (targets.first { $0["type"] as? String == "page" }?["webSocketDebuggerUrl"] as? String)?
                .replacingOccurrences(of: "ws://localhost:", with: "ws://127.0.0.1:")
            return pageURL != nil
        }
        guard let pageURL else { throw giveUp("chromium has no page") }

        let (outgoing, output) = AsyncStream.makeStream(of: String.self)
        shared.state.withLock { $0.outgoing = output }
        let shared = self.shared
        connection = Task {
            let configuration = WebSocketClientConfiguration(maxFrameSize: 64 << 20)
            do {
            _ = try await WebSocketClient.connect(url: pageURL, configuration: configuration, logger: Logger(label: "cdp")) { inbound, outbound, _ in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await text in outgoing { try await outbound.write(.text(text)) }
                    }
                    for try await message in inbound.messages(maxSize: 64 << 20) {
                        guard case .text(let text) = message,
                            let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
                        else { continue }
                        Self.receive(object, shared: shared)
                    }
                    group.cancelAll()
                }
            }
            } catch {
                shared.state.withLock { $0.errors.append("devtools: \(error)") }
            }
            let waiting = shared.state.withLock { state in
                defer { state.waiting = [:] }
                return Array(state.waiting.values)
            }
            for waiter in waiting { waiter.resume(throwing: Failure(description: "the DevTools connection closed")) }
        }
        do {
            for method in ["Runtime.enable", "Log.enable", "Page.enable"] { _ = try await send(method) }
        } catch {
            connection.cancel()
            throw giveUp("DevTools: \(error) \(errors)")
        }
    }

    private static func receive(_ object: [String: Any], shared: Shared) {
        if let id = object["id"] as? Int {
            let waiter = shared.state.withLock { $0.waiting.removeValue(forKey: id) }
            if let error = object["error"] as? [String: Any] {
                waiter?.resume(throwing: Failure(description: "\(error["message"] ?? error)"))
            } else {
                let result = (try? JSONSerialization.data(withJSONObject: object["result"] as? [String: Any] ?? [:])) ?? Data("{}".utf8)
                waiter?.resume(returning: result)
            }
            return
        }
        let params = object["params"] as? [String: Any] ?? [:]
        var error: String?
        switch object["method"] as? String {
        case "Runtime.consoleAPICalled" where params["type"] as? String == "error":
            let args = (params["args"] as? [[String: Any]] ?? []).map { "\($0["value"] ?? $0["description"] ?? "")" }
            error = "console.error: " + args.joined(separator: " ")
        case "Runtime.exceptionThrown":
            let details = params["exceptionDetails"] as? [String: Any] ?? [:]
            error = "exception: \((details["exception"] as? [String: Any])?["description"] ?? details["text"] ?? "")"
        case "Log.entryAdded":
            let entry = params["entry"] as? [String: Any] ?? [:]
            if entry["level"] as? String == "error" { error = "log: \(entry["text"] ?? "") \(entry["url"] ?? "")" }
        default:
            break
        }
        if let error { shared.state.withLock { $0.errors.append(error) } }
    }

    /// Sends a DevTools command and returns its result (a JSON object).
    @discardableResult
    func send(_ method: String, _ params: [String: Any] = [:]) async throws -> [String: Any] {
        let id = shared.state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        let data = try JSONSerialization.data(withJSONObject: ["id": id, "method": method, "params": params])
        let text = String(decoding: data, as: UTF8.self)
        let result: Data = try await withCheckedThrowingContinuation { continuation in
            let output = shared.state.withLock { state -> AsyncStream<String>.Continuation? in
                state.waiting[id] = continuation
                return state.outgoing
            }
            output?.yield(text)
        }
        return (try JSONSerialization.jsonObject(with: result) as? [String: Any]) ?? [:]
    }

    /// Evaluates `expression` in the page (awaiting a promise) and returns its value as JSON text.
    func evaluate(_ expression: String) async throws -> String {
        let wrapped = "(async () => JSON.stringify(await (async () => { \(expression) })()))()"
        let result = try await send("Runtime.evaluate", ["expression": wrapped, "awaitPromise": true, "returnByValue": true])
        if let exception = result["exceptionDetails"] { throw Failure(description: "\(expression): \(exception)") }
        return (result["result"] as? [String: Any])?["value"] as? String ?? "undefined"
    }

    /// Loads `url` and waits until the document has loaded.
    func open(_ url: String) async throws {
        try await send("Page.navigate", ["url": url])
        _ = await eventually(timeout: .seconds(30)) { (try? await evaluate("return document.readyState")) == "\"complete\"" }
    }

    /// A PNG of the page as it looks now.
    func screenshot() async throws -> Data {
        let result = try await send("Page.captureScreenshot", ["format": "png"])
        guard let base64 = result["data"] as? String, let data = Data(base64Encoded: base64) else {
            throw Failure(description: "no screenshot")
        }
        return data
    }

    func close() async {
        shared.state.withLock { $0.outgoing?.finish() }
        connection.cancel()
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: profile)
    }
}
