import Application
import AsteriskARI
import Domain
import Synchronization
import Testing
import TestSupport

/// The contract every `Telephony` adapter meets, run over the in-memory one and `ARITelephony` against
/// the fake Asterisk. A driver per adapter plays the far side (the caller, the dialplan) and says what
/// the server holds, so the same test runs on both.
@Suite("Telephony contract", .serialized)
struct TelephonyContractTests {
    @Test(arguments: TelephonyAdapter.allCases)
    func callMediaAndCallerHangup(_ adapter: TelephonyAdapter) async throws {
        let driver = try await adapter.start()
        defer { Task { await driver.stop() } }
        let telephony = driver.telephony
        #expect(await telephony.connectionState() == .connected)
        let id = await driver.placeCall(caller: "+15550001111", extension: "100")
        guard case .channelEntered(let channel)? = try await driver.events(until: { $0.isEntered(id) }).last else { return }
        #expect(channel.state == "Ring" && channel.isRinging)
        #expect(channel.callerNumber == "+15550001111" && channel.extensionNumber == "100")
        try await telephony.answer(id)

        // The session is connected before anything is bridged, then the call is bridged with its media.
        let bridgedAtConnect = Mutex<Bool?>(nil)
        let session = OfferOnlyMediaSession(offer: MediaOffer(transport: .rtp, externalHost: "127.0.0.1:41790", format: "ulaw")) { _ in
            let bridged = await driver.bridges().values.contains { $0.contains(id) }
            bridgedAtConnect.withLock { $0 = bridged }
        }
        let attachment = try await telephony.startMedia(for: id, session: session)
        #expect(session.connections == [attachment])
        #expect(bridgedAtConnect.withLock { $0 } == false)
        #expect(attachment.callChannel == id)
        let bridge = try #require(attachment.bridge)
        #expect(await driver.bridges()[bridge]?.sorted() == [id, attachment.mediaChannel].sorted())

        // Stopping media removes the media channel and the bridge, not the call; twice is harmless.
        await telephony.stopMedia(attachment)
        await telephony.stopMedia(attachment)
        #expect(await driver.channels() == [id])
        #expect(await driver.bridges().isEmpty)

        await driver.hangUpCaller(id)
        let ending = try await driver.events(until: { $0 == .channelLeft(id) })
        // The media channel never showed up as a call.
        #expect(ending == [.hangupRequested(id, cause: 16, soft: false), .channelLeft(id)])
        #expect(await driver.channels().isEmpty)
        try await telephony.hangup(id, cause: .normal)  // gone already: fine
    }

    @Test(arguments: TelephonyAdapter.allCases)
    func daemonHangupIsSoftAndTheChannelLeaves(_ adapter: TelephonyAdapter) async throws {
        let driver = try await adapter.start()
        defer { Task { await driver.stop() } }
        let id = await driver.placeCall(caller: "+15550001111", extension: "100")
        _ = try await driver.events(until: { $0.isEntered(id) })
        try await driver.telephony.hangup(id, cause: .normal)
        #expect(try await driver.events(until: { $0 == .channelLeft(id) }) == [.hangupRequested(id, cause: 32, soft: true), .channelLeft(id)])
        #expect(await driver.channels().isEmpty)
        try await driver.telephony.hangup(id, cause: .normal)
    }

    @Test(arguments: TelephonyAdapter.allCases)
    func failedMediaSetUpLeavesNothing(_ adapter: TelephonyAdapter) async throws {
        let driver = try await adapter.start()
        defer { Task { await driver.stop() } }
        let telephony = driver.telephony
        let id = await driver.placeCall(caller: "+15550001111", extension: "100")
        _ = try await driver.events(until: { $0.isEntered(id) })
        try await telephony.answer(id)
        let refusing = OfferOnlyMediaSession(offer: MediaOffer(transport: .rtp, externalHost: "127.0.0.1:41792", format: "ulaw")) { _ throws(ProviderError) in
            throw ProviderError(.network, provider: "test", "no route to the media peer")
        }
        await #expect { try await telephony.startMedia(for: id, session: refusing) } throws: { ($0 as? ProviderError)?.kind == .network }
        #expect(refusing.connections.count == 1)
        #expect(await driver.channels() == [id])
        #expect(await driver.bridges().isEmpty)

        // Media for a channel that is not there is refused after the fact, and cleaned up too.
        let stray = OfferOnlyMediaSession(offer: MediaOffer(transport: .rtp, externalHost: "127.0.0.1:41794", format: "ulaw"))
        await #expect { try await telephony.startMedia(for: "no-such-channel", session: stray) } throws: {
            ($0 as? ProviderError)?.kind == .badRequest
        }
        #expect(await driver.channels() == [id])
        #expect(await driver.bridges().isEmpty)
    }

    @Test(arguments: TelephonyAdapter.allCases)
    func returnToDialplanAndTransferLetTheChannelLeave(_ adapter: TelephonyAdapter) async throws {
        let driver = try await adapter.start()
        defer { Task { await driver.stop() } }
        let telephony = driver.telephony
        let refused = await driver.placeCall(caller: "+15550000001", extension: "100")
        _ = try await driver.events(until: { $0.isEntered(refused) })
        try await telephony.returnToDialplan(refused, reason: "capacity")
        #expect(try await driver.events(until: { $0 == .channelLeft(refused) }) == [.channelLeft(refused)])
        #expect(await driver.refusal(of: refused) == "capacity")
        try await telephony.returnToDialplan(refused, reason: "capacity")  // gone already: fine

        let moved = await driver.placeCall(caller: "+15550000002", extension: "100")
        _ = try await driver.events(until: { $0.isEntered(moved) })
        try await telephony.answer(moved)
        try await telephony.transfer(moved, to: .queue("support"))
        #expect(try await driver.events(until: { $0 == .channelLeft(moved) }) == [.channelLeft(moved)])
        #expect(await driver.transferExtension(of: moved) == "support")
        #expect(await driver.channels().isEmpty)
        await #expect { try await telephony.transfer(moved, to: .queue("support")) } throws: { ($0 as? ProviderError)?.kind == .badRequest }
    }

    @Test(arguments: TelephonyAdapter.allCases)
    func digitsBothWaysAndUnknownChannels(_ adapter: TelephonyAdapter) async throws {
        let driver = try await adapter.start()
        defer { Task { await driver.stop() } }
        let telephony = driver.telephony
        let id = await driver.placeCall(caller: "+15550001111", extension: "100")
        _ = try await driver.events(until: { $0.isEntered(id) })
        await driver.pressDigit("5", on: id)
        #expect(try await driver.events(until: { if case .dtmf = $0 { true } else { false } }).last == .dtmf(id, digit: "5", duration: .milliseconds(100)))

        for bad in ["", "12x", "9 9"] {
            await #expect("\(bad)") { try await telephony.sendDTMF(bad, to: id) } throws: { ($0 as? ProviderError)?.kind == .badRequest }
        }
        try await telephony.sendDTMF("12#*", to: id)
        #expect(await driver.sentDigits(to: id) == ["12#*"])
        // ARI answers 404 for a channel it does not know: a bad request, not worth retrying.
        let unknown: ChannelID = "no-such-channel"
        await #expect { try await telephony.sendDTMF("1", to: unknown) } throws: { ($0 as? ProviderError)?.kind == .badRequest }
        await #expect { try await telephony.answer(unknown) } throws: { ($0 as? ProviderError)?.kind == .badRequest }
        await #expect { try await telephony.play("sound:beep", on: unknown) } throws: { ($0 as? ProviderError)?.kind == .badRequest }
        try await telephony.hangup(unknown, cause: .normal)
        try await telephony.deleteBridge("voicegw-b-no-such-bridge")
    }

    @Test(arguments: TelephonyAdapter.allCases)
    func inventoryListsCallsMediaAndBridges(_ adapter: TelephonyAdapter) async throws {
        let driver = try await adapter.start()
        defer { Task { await driver.stop() } }
        let telephony = driver.telephony
        let answered = await driver.placeCall(caller: "+15550000001", extension: "100")
        let ringing = await driver.placeCall(caller: "+15550000002", extension: "100")
        _ = try await driver.events(until: { $0.isEntered(ringing) })
        try await telephony.answer(answered)
        let attachment = try await telephony.startMedia(
            for: answered, session: OfferOnlyMediaSession(offer: MediaOffer(transport: .rtp, externalHost: "127.0.0.1:41796", format: "ulaw")))

        let inventory = try await telephony.inventory()
        #expect(inventory.channels.count == 3)
        #expect(inventory.channel(answered).map { ($0.state, $0.inApplication, $0.isDaemonMedia) } ?? ("-", false, true) == ("Up", true, false))
        #expect(inventory.channel(ringing).map { ($0.state, $0.inApplication, $0.isDaemonMedia) } ?? ("-", false, true) == ("Ring", true, false))
        #expect(inventory.channel(attachment.mediaChannel)?.isDaemonMedia == true)
        #expect(inventory.bridges.map(\.id) == [try #require(attachment.bridge)])
        #expect(inventory.bridges.first?.channels.sorted() == [answered, attachment.mediaChannel].sorted())

        // Deleting a bridge twice is fine; its channels stay until deleted themselves.
        try await telephony.deleteBridge(try #require(attachment.bridge))
        try await telephony.deleteBridge(try #require(attachment.bridge))
        #expect(try await telephony.inventory().bridges.isEmpty)
        #expect(try await telephony.inventory().channel(attachment.mediaChannel) != nil)
        await telephony.stopMedia(attachment)
        #expect(try await telephony.inventory().channels.map(\.id).sorted() == [answered, ringing].sorted())
    }

    @Test(arguments: TelephonyAdapter.allCases)
    func originateUsesTheRequestedChannelID(_ adapter: TelephonyAdapter) async throws {
        let driver = try await adapter.start()
        defer { Task { await driver.stop() } }
        let request = OriginateRequest(endpoint: "PJSIP/+15551234567@trunk", callerID: "+15550009999", arguments: ["call-7"], channelID: "out-7")
        #expect(try await driver.telephony.originate(request) == "out-7")
        // Where the driver can play the far end answering, the call enters Up with its arguments.
        if await driver.answerOriginated("out-7") {
            guard case .channelEntered(let channel)? = try await driver.events(until: { $0.isEntered("out-7") }).last else { return }
            #expect(channel.state == "Up" && !channel.isRinging)
            #expect(channel.arguments == ["call-7"])
        }
        try await driver.telephony.hangup("out-7", cause: .normal)
    }

    @Test(arguments: TelephonyAdapter.allCases)
    func aDialThatEndsUnansweredIsOneDestroyedEventWithCauseAndStatus(_ adapter: TelephonyAdapter) async throws {
        let driver = try await adapter.start()
        defer { Task { await driver.stop() } }
        for (id, expected) in [("out-busy", (0, "BUSY")), ("out-silent", (19, "RINGING")), ("out-cancel", (16, "NOANSWER"))] {
            _ = try await driver.telephony.originate(OriginateRequest(endpoint: "PJSIP/+15551234567@trunk", channelID: ChannelID(id)))
            switch id {
            case "out-busy": await driver.busyOriginated(ChannelID(id))
            case "out-silent": await driver.noAnswerOriginated(ChannelID(id))
            default: try await driver.telephony.hangup(ChannelID(id), cause: .normal)
            }
            let events = try await driver.events { if case .channelDestroyed(let c, _, _) = $0 { c.rawValue == id } else { false } }
            guard case .channelDestroyed(_, let cause, let status)? = events.last else { Issue.record("\(id): \(events)"); continue }
            #expect(cause == expected.0, "\(id)")
            // The fake reports a cancelled dial's last status as Asterisk does; the in-memory one as NOANSWER too.
            #expect(status == expected.1, "\(id)")
            #expect(!events.contains { $0.isEntered(ChannelID(id)) })
        }
        #expect(await driver.channels().isEmpty)
    }
}
