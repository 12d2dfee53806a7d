import CallState
import Domain
import Foundation
import Logging
import Testing
import TestSupport

@testable import VoiceGatewayd

/// A daemon killed with SIGKILL mid-call and started again (a separate process, call state in a real
/// redis-server, events in a JSONL file) against the fake Asterisk, which keeps its channels and bridges
/// as a real one does while the app is gone. After the restart no channel or bridge of the app may be
/// left that no call uses, and every call has exactly one `call.ended`, numbered after its other events.
@Suite("Restart reconciliation end to end", .serialized, .enabled(if: ExternalBinary.onPath("redis-server") != nil))
struct RestartEndToEndTests {
    /// One scenario's world: Redis, the fake Asterisk, a working directory, the daemon's environment.
    struct World {
        let redis: RedisServerProcess
        let fake: FakeAsterisk
        let directory: URL
        let environment: [String: String]
        var eventsFile: String { directory.appendingPathComponent("events.jsonl").path }

        static func make(_ extra: [String: String] = [:]) async throws -> World {
            let redis = try #require(try RedisServerProcess())
            let fake = FakeAsterisk()
            try await fake.start()
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vgw-restart-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let portBase = Int.random(in: 20_000...59_000)
            var environment = [
                "VOICEGW_ARI_URL": fake.url, "VOICEGW_ARI_USERNAME": fake.username, "VOICEGW_ARI_PASSWORD": fake.password,
                "VOICEGW_ARI_APP": fake.app, "VOICEGW_EVENTS_FILE": directory.appendingPathComponent("events.jsonl").path,
                "VOICEGW_AGENT_SCRIPT": ExternalBinary.packageRoot().appendingPathComponent("etc/agent.yaml").path,
                "VOICEGW_MEDIA_RTP_PORT_MIN": "\(portBase)", "VOICEGW_MEDIA_RTP_PORT_MAX": "\(portBase + 99)",
                "VOICEGW_CALL_STATE_BACKEND": "redis", "VOICEGW_CALL_STATE_REDIS_URL": redis.url,
                "VOICEGW_INSTANCE_ID": "restart-test", "VOICEGW_LOG_LEVEL": "info",
            ].merging(DaemonHarness.generousDeadlines) { $1 }
            environment.merge(extra) { $1 }
            return World(redis: redis, fake: fake, directory: directory, environment: environment)
        }

        func events(of callID: String? = nil) -> [[String: Any]] { EventsFile(path: eventsFile).events(of: callID) }

        func lines() -> [String] { EventsFile(path: eventsFile).lines() }

        func close() async {
            await fake.stop()
            try? FileManager.default.removeItem(at: directory)
        }
    }

    /// Places a call and waits until its greeting is being heard. Returns the daemon's call id.
    func callInProgress(_ world: World, _ daemon: DaemonProcess) async throws -> (channel: String, callID: String, peer: FakeRTPPeer) {
        let channel = world.fake.placeCall()
        var peer: FakeRTPPeer?
        #expect(await eventually(timeout: .seconds(20)) { peer = world.fake.rtpPeer(bridgedWith: channel); return peer != nil },
                "media never bridged; requests \(world.fake.requests.suffix(8)); daemon log:\n\(daemon.log.suffix(4000))")
        let heard = try #require(peer)
        #expect(await eventually(timeout: .seconds(20)) { heard.received.count > 10 }, "no greeting; daemon log:\n\(daemon.log.suffix(4000))")
        let started = try #require(world.events().first { $0["type"] as? String == "call.started" })
        return (channel, try #require(started["call_id"] as? String), heard)
    }

    /// Bytes in the event spool directory (its segment files).
    static func spoolBytes(_ directory: String) -> Int {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return files.reduce(0) { total, name in
            let size = (try? FileManager.default.attributesOfItem(atPath: directory + "/" + name)[.size] as? Int) ?? 0
            return total + (size ?? 0)
        }
    }

    /// Every line matches the schemas; the call's sequence numbers are unique and rising in file order.
    func checkEvents(_ world: World, callID: String) {
        for line in world.lines() {
            let problems = validateEvent(Data(line.utf8))
            #expect(problems.isEmpty, "\(problems): \(line)")
        }
        let sequences = world.events(of: callID).compactMap { $0["sequence"] as? Int }
        #expect(sequences == sequences.sorted() && Set(sequences).count == sequences.count, "sequences \(sequences)")
        let ended = world.events(of: callID).filter { $0["type"] as? String == "call.ended" }
        #expect(ended.count == 1, "\(ended.count) call.ended events")
    }

    @Test func aCallWhoseCallerLeftWhileTheDaemonWasDeadIsEndedAndNothingIsLeft() async throws {
        let world = try await World.make()
        let daemon = DaemonProcess(environment: world.environment, directory: world.directory)
        try await daemon.start()
        let call = try await callInProgress(world, daemon)
        // Leftovers of an even older crash: referenced by no call, long past the grace period.
        let leftovers = world.fake.addLeftovers(age: 600)

        daemon.kill9()
        world.fake.hangupCaller(call.channel)
        #expect(!world.fake.channels.isEmpty && !world.fake.bridges.isEmpty, "the fake should keep the media like Asterisk")

        try await daemon.start()
        #expect(await eventually { world.fake.channels.isEmpty && world.fake.bridges.isEmpty },
                "left in Asterisk: \(world.fake.channels) \(world.fake.bridges)")
        #expect(await eventually { world.events(of: call.callID).contains { $0["type"] as? String == "call.ended" } })
        let ended = world.events(of: call.callID).last { $0["type"] as? String == "call.ended" }
        #expect((ended?["data"] as? [String: Any])?["reason"] as? String == "gateway_restart")
        let deleted = world.fake.requests.filter { $0.method == "DELETE" }.map(\.path)
        #expect(deleted.contains { $0.hasSuffix(leftovers.channel) } && deleted.contains { $0.hasSuffix(leftovers.bridge) })
        checkEvents(world, callID: call.callID)
        daemon.stop()
        await world.close()
    }

    @Test func aCallWhoseCallerStayedIsResumedOnNewMediaAndGoesOn() async throws {
        let world = try await World.make()
        let daemon = DaemonProcess(environment: world.environment, directory: world.directory)
        try await daemon.start()
        let call = try await callInProgress(world, daemon)
        let oldMedia = Set(world.fake.channels.keys).subtracting([call.channel])
        let oldBridges = Set(world.fake.bridges.keys)
        let before = world.events(of: call.callID).count
        // The conversation so far is in the call state: the greeting the agent said.
        let repository = RedisCallRepository(
            configuration: RedisConfiguration(endpoint: try RedisEndpoint(url: world.redis.url)), clock: WallClock(), logger: Logger(label: "check"))
        let greeting = "Hello, how can I help you?"
        #expect(await eventually { (try? await repository.get(CallID(call.callID)))??.history?.first?.text == greeting },
                "the greeting is not in the stored history")

        daemon.kill9()
        try await daemon.start()

        // New media, the old channel and bridge deleted, and the resume line heard on the new peer.
        var resumed: FakeRTPPeer?
        #expect(await eventually {
            resumed = world.fake.rtpPeer(bridgedWith: call.channel)
            return resumed.map { $0 !== call.peer } ?? false
        }, "the call was not re-attached")
        let peer = try #require(resumed)
        #expect(await eventually { world.fake.channels.count == 2 && world.fake.bridges.count == 1 }, "\(world.fake.channels)")
        #expect(oldMedia.isDisjoint(with: world.fake.channels.keys) && oldBridges.isDisjoint(with: world.fake.bridges.keys))
        let afterRestart = { Array(world.events(of: call.callID).dropFirst(before)) }
        #expect(await eventually(timeout: .seconds(20)) { !CallerAudio.playbacks(peer.received, events: afterRestart()).isEmpty },
                "no resume line")
        let line = CallerAudio.playbacks(peer.received, events: afterRestart())[0]
        #expect(line.map { CallerAudio.rms(ulaw: $0.bytes.dropFirst(12)) }.max() ?? 0 > 1000, "the resume line is silent")
        let spoken = world.events(of: call.callID).dropFirst(before).first { $0["type"] as? String == "tts.generated" }
        #expect((spoken?["data"] as? [String: Any])?["characters"] as? Int == "Sorry, where were we?".count)

        // The conversation goes on: the caller asks, the agent answers.
        try await peer.sendRTP(payloads: try CallerAudio.ulawPayloads(fixture: "balance_sentence"))
        #expect(await eventually(timeout: .seconds(30)) { CallerAudio.playbacks(peer.received, events: afterRestart()).count >= 2 },
                "no answer after the resume")
        #expect(await eventually { world.events(of: call.callID).contains { $0["type"] as? String == "llm.responded" } })
        // The resumed call carried its history on: the greeting, the resume line, then the new turns.
        #expect(await eventually {
            let lines = (try? await repository.get(CallID(call.callID)))??.history ?? []
            return lines.count >= 4 && lines[0].text == greeting && lines[1].text == "Sorry, where were we?"
                && lines.contains { $0.speaker == .caller && $0.text.contains("balance") }
        }, "the history did not carry on after the restart")

        world.fake.hangupCaller(call.channel)
        #expect(await eventually { world.events(of: call.callID).contains { $0["type"] as? String == "call.ended" } })
        #expect(await eventually { world.fake.channels.isEmpty && world.fake.bridges.isEmpty }, "\(world.fake.channels) \(world.fake.bridges)")
        let ended = world.events(of: call.callID).last { $0["type"] as? String == "call.ended" }
        #expect((ended?["data"] as? [String: Any])?["reason"] as? String == "caller_hangup")
        #expect(world.events(of: call.callID).filter { $0["type"] as? String == "call.started" }.count == 1)
        checkEvents(world, callID: call.callID)
        daemon.stop()
        await world.close()
    }

    @Test func withKafkaDownAndTheDaemonKilledEveryEventOfTheCallStillReachesTheTopic() async throws {
        let cluster = try #require(try KafkaMockClusterProcess(), "kafka-mock-cluster not built")
        defer { cluster.quit() }
        var world = try await World.make()
        let spool = world.directory.appendingPathComponent("spool").path
        world = World(redis: world.redis, fake: world.fake, directory: world.directory, environment: world.environment.merging([
            "VOICEGW_EVENTS_KAFKA_BROKERS": cluster.bootstrapServers, "VOICEGW_EVENTS_SPOOL_DIR": spool,
            "VOICEGW_EVENTS_SPOOL_FSYNC": "always",
        ]) { $1 })
        let daemon = DaemonProcess(environment: world.environment, directory: world.directory)
        try await daemon.start()
        // Brokers down: the call's first events can only go to the spool.
        try cluster.down()
        let channel = world.fake.placeCall()
        #expect(await eventually { world.fake.rtpPeer(bridgedWith: channel).map { $0.received.count > 10 } ?? false }, "no greeting")
        // The first events are in the spool (Kafka is down) before the crash.
        #expect(await eventually { Self.spoolBytes(spool) > 0 }, "nothing spooled")
        daemon.kill9()
        try cluster.up()
        world.fake.hangupCaller(channel)

        try await daemon.start()
        #expect(await eventually { world.fake.channels.isEmpty && world.fake.bridges.isEmpty }, "\(world.fake.channels) \(world.fake.bridges)")
        let messages = await KafkaTestConsumer.readAll(bootstrap: cluster.bootstrapServers, topic: "voicegw.call-events", expected: 1000, idle: .seconds(6))
        for message in messages {
            let problems = validateEvent(message.value)
            #expect(problems.isEmpty, "\(problems)")
        }
        let events = messages.compactMap { (try? JSONSerialization.jsonObject(with: $0.value)) as? [String: Any] }
        let started = try #require(events.first { ($0["data"] as? [String: Any])?["channel_id"] as? String == channel }, "call.started never arrived")
        let callID = try #require(started["call_id"] as? String)
        #expect(messages.filter { $0.key == callID }.count == events.filter { $0["call_id"] as? String == callID }.count, "key is not the call id")
        // At least once: dedupe by event_id, then the call's events rise in sequence (one partition per key).
        var seen: Set<String> = []
        let call = events.filter { $0["call_id"] as? String == callID && seen.insert($0["event_id"] as? String ?? "").inserted }
        let types = call.map { $0["type"] as? String ?? "?" }
        #expect(Array(types.prefix(3)) == ["call.started", "call.answered", "tts.generated"], "\(types)")
        #expect(types.last == "call.ended" && types.filter { $0 == "call.ended" }.count == 1, "\(types)")
        #expect((call.last?["data"] as? [String: Any])?["reason"] as? String == "gateway_restart")
        let sequences = call.compactMap { $0["sequence"] as? Int }
        #expect(sequences == sequences.sorted() && Set(sequences).count == sequences.count, "\(sequences)")
        daemon.stop()
        await world.close()
    }

    @Test func withReattachOffTheSurvivingCallIsHungUp() async throws {
        let world = try await World.make(["VOICEGW_CALLS_REATTACH": "false"])
        let daemon = DaemonProcess(environment: world.environment, directory: world.directory)
        try await daemon.start()
        let call = try await callInProgress(world, daemon)
        daemon.kill9()
        try await daemon.start()
        #expect(await eventually { world.fake.channels.isEmpty && world.fake.bridges.isEmpty }, "\(world.fake.channels) \(world.fake.bridges)")
        #expect(world.fake.requests.contains { $0.method == "DELETE" && $0.path.hasSuffix("channels/\(call.channel)") })
        #expect(await eventually { world.events(of: call.callID).contains { $0["type"] as? String == "call.ended" } })
        let ended = world.events(of: call.callID).last { $0["type"] as? String == "call.ended" }
        #expect((ended?["data"] as? [String: Any])?["reason"] as? String == "gateway_restart")
        checkEvents(world, callID: call.callID)
        daemon.stop()
        await world.close()
    }

    /// A peer that ran a call on this Asterisk and died: its heartbeat lapses, its call stays stored.
    func seedDeadInstancesCall(_ world: World) async throws -> (channel: String, repository: RedisCallRepository, registry: RedisInstanceRegistry) {
        let endpoint = RedisConfiguration(endpoint: try RedisEndpoint(url: world.redis.url))
        let repository = RedisCallRepository(configuration: endpoint, clock: WallClock(), logger: Logger(label: "seed"))
        let registry = RedisInstanceRegistry(connection: RedisConnection(configuration: endpoint, clock: WallClock(), logger: Logger(label: "seed")), clock: WallClock())
        let channel = world.fake.placeCall()
        var ghost = Call(
            id: CallID("ghost-call"), tenantID: "default", channelID: ChannelID(channel), conversationID: "ghost-conv", direction: .inbound,
            callerNumber: "+15550001111", calleeNumber: "100", instanceID: "dead-node", createdAt: WallClock().now())
        _ = try ghost.answer(at: WallClock().now())
        _ = try ghost.activate(at: WallClock().now())
        ghost.eventSequence = 50
        try await repository.save(ghost)
        try await registry.heartbeat("dead-node", ttl: .milliseconds(300))
        #expect(await eventually { (try? await registry.isAlive("dead-node")) == false }, "the heartbeat never lapsed")
        return (channel, repository, registry)
    }

    @Test func theCallsOfAnInstanceWhoseHeartbeatExpiredAreTakenOverByALiveOne() async throws {
        let world = try await World.make(["VOICEGW_INSTANCE_ID": "live-node"])
        let (channel, repository, registry) = try await seedDeadInstancesCall(world)
        let daemon = DaemonProcess(environment: world.environment, directory: world.directory)
        try await daemon.start()
        // Resumed here: new media bridged with the caller, the resume line, the call now this instance's.
        var peer: FakeRTPPeer?
        #expect(await eventually { peer = world.fake.rtpPeer(bridgedWith: channel); return peer != nil }, "not taken over; log:\n\(daemon.log.suffix(3000))")
        #expect(await eventually { world.events(of: "ghost-call").contains { $0["type"] as? String == "tts.generated" } }, "no resume line")
        #expect(try await repository.get("ghost-call")?.instanceID == "live-node")
        #expect(await eventually { (try? await registry.knownInstances().contains("dead-node")) == false })
        world.fake.hangupCaller(channel)
        #expect(await eventually { world.events(of: "ghost-call").contains { $0["type"] as? String == "call.ended" } })
        let events = world.events(of: "ghost-call")
        #expect(events.first?["sequence"] as? Int == 51, "numbered after the dead instance's events")
        #expect(events.allSatisfy { $0["instance_id"] as? String == "live-node" })
        let ended = try #require(events.last)
        #expect((ended["data"] as? [String: Any])?["reason"] as? String == "caller_hangup")
        #expect(await eventually { world.fake.channels.isEmpty && world.fake.bridges.isEmpty }, "\(world.fake.channels) \(world.fake.bridges)")
        checkEvents(world, callID: "ghost-call")
        daemon.stop()
        await world.close()
    }

    @Test func withReattachOffTheCallsOfADeadInstanceAreEndedByALiveOne() async throws {
        let world = try await World.make(["VOICEGW_INSTANCE_ID": "live-node", "VOICEGW_CALLS_REATTACH": "false"])
        let (channel, repository, registry) = try await seedDeadInstancesCall(world)
        let daemon = DaemonProcess(environment: world.environment, directory: world.directory)
        try await daemon.start()
        #expect(await eventually { world.fake.channels[channel] == nil }, "the dead instance's caller was not hung up")
        #expect(await eventually { world.events(of: "ghost-call").contains { $0["type"] as? String == "call.ended" } })
        let ended = try #require(world.events(of: "ghost-call").first)
        #expect((ended["data"] as? [String: Any])?["reason"] as? String == "gateway_restart")
        #expect(ended["sequence"] as? Int == 51)
        #expect(ended["instance_id"] as? String == "live-node")
        #expect(try await repository.get("ghost-call")?.state == .ended)
        #expect(await eventually { (try? await registry.knownInstances().contains("dead-node")) == false })
        checkEvents(world, callID: "ghost-call")
        daemon.stop()
        await world.close()
    }
}
