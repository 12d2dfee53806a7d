import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// The fake Asterisk's Manager Interface on a real loopback TCP port, as Asterisk 22's manager.c answers:
/// the banner `Asterisk Call Manager/11.0.0`; nothing but `Login` before logging in ("Permission
/// denied"); a failed login answers "Authentication failed" and closes; `Hangup` (channel by name or
/// uniqueid, "No such channel" otherwise), `Setvar`, `Redirect` (the channel leaves Stasis for the
/// dialplan, as a `continue` does), `Originate` (async: "Originate successfully queued"), `Ping`; and a
/// `Hangup` event to every logged-in connection when a channel ends.
final class FakeAMI: @unchecked Sendable {
    let fake: FakeAsterisk
    let username: String
    let secret: String
    private var server: (any Channel)?
    let clients = Mutex<[ObjectIdentifier: any Channel]>([:])
    /// Every action received, as `Action` plus its fields.
    let actions = Mutex<[[String: String]]>([])

    init(fake: FakeAsterisk, username: String, secret: String) {
        self.fake = fake
        self.username = username
        self.secret = secret
    }

    var port: Int { server?.localAddress?.port ?? 0 }

    func start() async throws {
        server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.writeAndFlush(channel.allocator.buffer(string: "Asterisk Call Manager/11.0.0\r\n"), promise: nil)
                return channel.pipeline.addHandler(Handler(ami: self))
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    func stop() async {
        for client in clients.withLock({ Array($0.values) }) { client.close(promise: nil) }
        try? await server?.close()
    }

    /// A `Hangup` event to the logged-in connections.
    func hangupEvent(_ channel: FakeChannel, cause: Int) {
        let text = Self.message([
            ("Event", "Hangup"), ("Privilege", "call,all"), ("Channel", channel.name), ("ChannelState", "6"), ("ChannelStateDesc", "Up"),
            ("CallerIDNum", channel.callerNumber), ("Context", channel.context), ("Exten", channel.exten), ("Uniqueid", channel.id),
            ("Linkedid", channel.id), ("Cause", "\(cause)"), ("Cause-txt", cause == 16 ? "Normal Clearing" : "Unknown"),
        ])
        for client in clients.withLock({ Array($0.values) }) {
            client.eventLoop.execute { client.writeAndFlush(client.allocator.buffer(string: text), promise: nil) }
        }
    }

    static func message(_ fields: [(String, String)]) -> String {
        fields.map { "\($0.0): \($0.1)\r\n" }.joined() + "\r\n"
    }

    /// The answer to one action from a connection (`loggedIn` says whether it logged in).
    func answer(_ action: [String: String], loggedIn: inout Bool) -> (reply: String, close: Bool) {
        actions.withLock { $0.append(action) }
        let id = action["ActionID"].map { [("ActionID", $0)] } ?? []
        func success(_ extra: [(String, String)]) -> (String, Bool) { (Self.message([("Response", "Success")] + id + extra), false) }
        func error(_ message: String, close: Bool = false) -> (String, Bool) { (Self.message([("Response", "Error")] + id + [("Message", message)]), close) }
        let name = action["Action"]?.lowercased() ?? ""
        if name == "login" {
            guard action["Username"] == username, action["Secret"] == secret else { return error("Authentication failed", close: true) }
            loggedIn = true
            let booted = Self.message([("Event", "FullyBooted"), ("Privilege", "system,all"), ("Uptime", "1"), ("LastReload", "1"), ("Status", "Fully Booted")])
            return (success([("Message", "Authentication accepted")]).0 + booted, false)
        }
        guard loggedIn else { return error("Permission denied") }
        switch name {
        case "ping":
            return success([("Ping", "Pong"), ("Timestamp", "\(Date().timeIntervalSince1970)")])
        case "hangup":
            guard let channel = fake.channel(named: action["Channel"] ?? "") else { return error("No such channel") }
            fake.endChannel(channel.id, hangupFields: ["cause": Int(action["Cause"] ?? "") ?? 16], destroyed: channel.isMedia || channel.originated)
            return success([("Message", "Channel Hungup")])
        case "setvar":
            guard let channel = fake.channel(named: action["Channel"] ?? "") else { return error("No such channel") }
            _ = fake.setVariable(channel.id, ["variable": action["Variable"] ?? "", "value": action["Value"] ?? ""])
            return success([("Message", "Variable Set")])
        case "redirect":
            guard let channel = fake.channel(named: action["Channel"] ?? "") else { return error("Channel specified does not exist") }
            _ = fake.continueInDialplan(channel.id, ["context": action["Context"] ?? "", "extension": action["Exten"] ?? ""])
            return success([("Message", "Redirect successful")])
        case "originate":
            guard let endpoint = action["Channel"], action["Application"]?.lowercased() == "stasis" else { return error("Only Application: Stasis is faked") }
            let data = (action["Data"] ?? "").split(separator: ",").map(String.init)
            var query = ["endpoint": endpoint, "app": data.first ?? "", "appArgs": data.dropFirst().joined(separator: ",")]
            query["channelId"] = action["ChannelId"]
            query["callerId"] = action["CallerID"]
            _ = fake.originate(query)
            return success([("Message", "Originate successfully queued")])
        default:
            return error("Invalid/unknown command: \(action["Action"] ?? "")")
        }
    }

    /// One connection: splits the input into actions and answers each.
    final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        let ami: FakeAMI
        private var pending = ""
        private var loggedIn = false

        init(ami: FakeAMI) { self.ami = ami }

        func channelActive(context: ChannelHandlerContext) {
            let channel = context.channel
            ami.clients.withLock { $0[ObjectIdentifier(channel)] = channel }
            context.fireChannelActive()
        }

        func channelInactive(context: ChannelHandlerContext) {
            let id = ObjectIdentifier(context.channel)
            ami.clients.withLock { _ = $0.removeValue(forKey: id) }
            context.fireChannelInactive()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            pending += buffer.readString(length: buffer.readableBytes) ?? ""
            while let end = pending.range(of: "\r\n\r\n") {
                let block = pending[..<end.lowerBound]
                pending = String(pending[end.upperBound...])
                var action: [String: String] = [:]
                for line in block.split(separator: "\r\n") {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    action[String(line[..<colon])] = String(line[line.index(after: colon)...].drop { $0 == " " })
                }
                let (reply, close) = ami.answer(action, loggedIn: &loggedIn)
                let written = context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: reply)))
                if close { written.whenComplete { _ in context.close(promise: nil) } }
            }
        }

        typealias OutboundOut = ByteBuffer
    }
}

extension FakeAsterisk {
    /// Starts the fake's AMI (once); returns its port.
    public func startAMI(username: String = "voicegw", secret: String = "ami-secret") async throws -> Int {
        if let running = state.withLock({ $0.ami }) { return running.port }
        let ami = FakeAMI(fake: self, username: username, secret: secret)
        try await ami.start()
        state.withLock { $0.ami = ami }
        return ami.port
    }

    /// The AMI actions received so far (`Action` and its fields).
    public var amiActions: [[String: String]] { state.withLock { $0.ami }?.actions.withLock { $0 } ?? [] }

    /// The channel named `name`, or whose id (uniqueid) is `name`, as Asterisk's manager finds it.
    func channel(named name: String) -> FakeChannel? {
        state.withLock { state in state.channels[name] ?? state.channels.values.first { $0.name == name } }
    }
}
