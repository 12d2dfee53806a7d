import Application
@testable import AsteriskARI
import Domain
import Foundation
import Logging
import Metrics
import NIOCore
import NIOEmbedded
import Testing
import TestSupport

/// The AMI fallback against the fake Asterisk's Manager Interface: the wire format, the client, and ARI
/// falling back on it.
@Suite("AMI fallback", .serialized)
struct AMIFallbackTests {
    func client(_ fake: FakeAsterisk, port: Int, secret: String = "ami-secret") -> AMIClient {
        var configuration = AMIClient.Configuration(host: "127.0.0.1", port: port, username: "voicegw", secret: secret)
        configuration.responseTimeout = .seconds(30)
        return AMIClient(configuration: configuration, clock: SystemClock(), logger: Logger(label: "ami-test"))
    }

    @Test func messagesSplitWhereverTheBytesBreakAndValuesCannotSmuggleLines() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(AMIFrameDecoder()))
        let text = "Asterisk Call Manager/11.0.0\r\nResponse: Success\r\nActionID: 7\r\nMessage: Authentication accepted\r\n\r\nEvent: Hangup\r\nUniqueid: 1.2\r\nCause: 16\r\n\r\n"
        for byte in Array(text.utf8) { try channel.writeInbound(ByteBuffer(bytes: [byte])) }
        let banner = try #require(try channel.readInbound(as: AMIMessage.self))
        #expect(banner["Banner"] == "Asterisk Call Manager/11.0.0")
        let response = try #require(try channel.readInbound(as: AMIMessage.self))
        #expect(response.response == "Success" && response.actionID == "7" && response["message"] == "Authentication accepted")
        let event = try #require(try channel.readInbound(as: AMIMessage.self))
        #expect(event.event == "Hangup" && event["Uniqueid"] == "1.2" && event["Cause"] == "16")
        #expect(try channel.readInbound(as: AMIMessage.self) == nil)
        #expect(AMIMessage([("Action", "Setvar"), ("Value", "x\r\nAction: Hangup")]).wire == "Action: Setvar\r\nValue: x  Action: Hangup\r\n\r\n")
    }

    @Test func theClientLogsInActsAndReadsHangups() async throws {
        let fake = FakeAsterisk()
        try await fake.start()
        defer { Task { await fake.stop() } }
        let port = try await fake.startAMI()
        let ami = client(fake, port: port)
        let events = ami.events()
        let run = Task { try await ami.run() }
        defer { run.cancel() }
        #expect(await eventually { ami.isConnected })
        #expect(await ami.dependencyState() == .connected && !ami.gatesReadiness)
        #expect(try await ami.send("Ping")["Ping"] == "Pong")
        await #expect(throws: ProviderError.self) { try await ami.send("Hangup", [("Channel", "1.999")]) }

        let channel = fake.placeCall()
        try await ami.send("Hangup", [("Channel", channel), ("Cause", "16")])
        #expect(fake.channels[channel] == nil)
        var reader = events.makeAsyncIterator()
        var hangup: AMIMessage?
        while let event = await reader.next() {
            if event.event == "Hangup" { hangup = event; break }
            #expect(event.event == "FullyBooted", "only the login's FullyBooted comes before")
        }
        #expect(hangup?["Uniqueid"] == channel && hangup?["Cause"] == "16")
        #expect(fake.amiActions.first?["Action"] == "Login")
    }

    @Test func aWrongSecretNeverConnects() async throws {
        let fake = FakeAsterisk()
        try await fake.start()
        defer { Task { await fake.stop() } }
        let ami = client(fake, port: try await fake.startAMI(), secret: "wrong")
        let run = Task { try await ami.run() }
        defer { run.cancel() }
        #expect(await eventually { fake.amiActions.contains { $0["Action"] == "Login" } })
        #expect(!ami.isConnected)
        await #expect(throws: ProviderError.self) { try await ami.send("Ping") }
    }

    @Test func withARIDownCallsAreHungUpTransferredAndPlacedThroughAMIAndHangupsStillSeen() async throws {
        let fake = FakeAsterisk()
        try await fake.start()
        defer { Task { await fake.stop() } }
        let ari = makeTelephony(fake)
        let ami = client(fake, port: try await fake.startAMI())
        let telephony = AMIFallbackTelephony(
            primary: ari, ami: ami, app: fake.app, transferContext: "voicegw-transfer", metricsFactory: NOOPMetricsHandler.instance,
            logger: Logger(label: "fallback-test"))
        let reader = EventReader(telephony.events())
        let run = Task { try await telephony.run() }
        defer { run.cancel() }
        #expect(await reader.next { $0 == .connection(.connected) } != nil)
        #expect(await eventually { ami.isConnected })
        let kept = fake.placeCall()
        let transferred = fake.placeCall()
        let callerLeaves = fake.placeCall()
        // ARI is up: its own hangup events, none from AMI.
        let upCall = fake.placeCall()
        fake.hangupCaller(upCall)
        #expect(await reader.next { $0 == .channelLeft(ChannelID(upCall)) } != nil)

        fake.dropEventConnectionsUntilReleased()
        #expect(await reader.next { $0 == .connection(.disconnected) } != nil)
        try await telephony.hangup(ChannelID(kept), cause: .normal)
        #expect(fake.channels[kept] == nil)
        try await telephony.transfer(ChannelID(transferred), to: .queue("billing"), variables: ["VOICEGW_CALL_ID": "call-1"])
        #expect(fake.transfers.contains { $0.channel == transferred && $0.context == "voicegw-transfer" && $0.extension == "billing" })
        #expect(fake.continuedChannels[transferred]?["VOICEGW_CALL_ID"] == "call-1")
        let placed = try await telephony.originate(OriginateRequest(
            endpoint: "PJSIP/+15551234567@trunk", callerID: "+15550000000", arguments: ["outbound", "call-2"], channelID: "voicegw-o-call-2"))
        #expect(placed == "voicegw-o-call-2" && fake.channels["voicegw-o-call-2"] != nil)
        let originate = try #require(fake.amiActions.first { $0["Action"] == "Originate" })
        #expect(originate["Data"] == "\(fake.app),outbound,call-2" && originate["ChannelId"] == "voicegw-o-call-2")

        // The caller hangs up while ARI's events are down: AMI says so.
        fake.hangupCaller(callerLeaves)
        #expect(await reader.next { $0 == .hangupRequested(ChannelID(callerLeaves), cause: 16, soft: false) } != nil)
        #expect(await reader.next { $0 == .channelLeft(ChannelID(callerLeaves)) } != nil)
        #expect(!fake.requests.contains { $0.method == "DELETE" && $0.path.hasSuffix(kept) }, "ARI was not even tried while down")
    }
}
