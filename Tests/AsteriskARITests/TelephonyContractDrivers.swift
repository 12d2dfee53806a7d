import Application
import AsteriskARI
import Domain
import Synchronization
import Testing
import TestSupport

// MARK: Drivers

/// The adapters the contract runs over.
enum TelephonyAdapter: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case inMemory, ari

    var testDescription: String { rawValue }

    func start() async throws -> any TelephonyDriver {
        switch self {
        case .inMemory: InMemoryTelephonyDriver()
        case .ari: try await ARITelephonyDriver.start()
        }
    }
}

/// The far side of a `Telephony` adapter, as a contract test needs it.
protocol TelephonyDriver: Sendable {
    var telephony: any Telephony { get }
    var reader: EventReader { get }
    func placeCall(caller: String, extension: String) async -> ChannelID
    func hangUpCaller(_ channel: ChannelID) async
    func pressDigit(_ digit: String, on channel: ChannelID) async
    /// Far ends answering an originated call, where the driver can play that (false: it cannot).
    func answerOriginated(_ channel: ChannelID) async -> Bool
    /// The callee of an originated call is busy.
    func busyOriginated(_ channel: ChannelID) async
    /// Nobody answers an originated call before its timeout.
    func noAnswerOriginated(_ channel: ChannelID) async
    /// Every live channel, calls and media.
    func channels() async -> Set<ChannelID>
    func bridges() async -> [BridgeID: [ChannelID]]
    /// `VOICEGW_REFUSED` of a channel that went back to the dialplan.
    func refusal(of channel: ChannelID) async -> String?
    func transferExtension(of channel: ChannelID) async -> String?
    func sentDigits(to channel: ChannelID) async -> [String]
    func stop() async
}

extension TelephonyDriver {
    /// The adapter's events (other than connection changes) up to and including the first that matches.
    func events(until match: (TelephonyEvent) -> Bool) async throws -> [TelephonyEvent] {
        var seen: [TelephonyEvent] = []
        while true {
            let next = try #require(await reader.next(timeout: .seconds(30)) { _ in true }, "no event after \(seen)")
            if case .connection = next { continue }
            seen.append(next)
            if match(next) { return seen }
        }
    }
}

extension TelephonyEvent {
    func isEntered(_ id: ChannelID) -> Bool {
        if case .channelEntered(let channel) = self { channel.id == id } else { false }
    }
}

struct InMemoryTelephonyDriver: TelephonyDriver {
    let memory = InMemoryTelephony()
    let reader: EventReader
    var telephony: any Telephony { memory }

    init() { reader = EventReader(memory.events()) }

    func placeCall(caller: String, extension exten: String) async -> ChannelID { await memory.placeCall(caller: caller, extension: exten) }
    func hangUpCaller(_ channel: ChannelID) async { await memory.hangUpCaller(channel) }
    func pressDigit(_ digit: String, on channel: ChannelID) async { await memory.pressDigit(digit, on: channel) }
    func answerOriginated(_ channel: ChannelID) async -> Bool { await memory.answerOriginated(channel) }
    func busyOriginated(_ channel: ChannelID) async { await memory.failOriginated(channel, cause: 0, dialStatus: "BUSY") }
    func noAnswerOriginated(_ channel: ChannelID) async { await memory.failOriginated(channel, cause: 19, dialStatus: "RINGING") }
    func channels() async -> Set<ChannelID> { Set(await memory.channels.keys) }
    func bridges() async -> [BridgeID: [ChannelID]] { await memory.bridges }
    func refusal(of channel: ChannelID) async -> String? { await memory.returnedToDialplan[channel] }
    func transferExtension(of channel: ChannelID) async -> String? { await memory.transfers.last { $0.channel == channel }?.extensionName }
    func sentDigits(to channel: ChannelID) async -> [String] { await memory.sentDTMF.filter { $0.channel == channel }.map(\.digits) }
    func stop() async {}
}

struct ARITelephonyDriver: TelephonyDriver {
    let fake: FakeAsterisk
    let ari: ARITelephony
    let run: Task<Void, any Error>
    let reader: EventReader
    var telephony: any Telephony { ari }

    static func start() async throws -> ARITelephonyDriver {
        let fake = FakeAsterisk()
        try await fake.start()
        let ari = makeTelephony(fake)
        let driver = ARITelephonyDriver(fake: fake, ari: ari, run: Task { try await ari.run() }, reader: EventReader(ari.events()))
        // Connected as the client sees it is not yet subscribed as the fake sees it (its events handler is
        // added after the 101 is written): wait for both, or the first events may go nowhere.
        try #require(
            await eventually { await ari.connectionState() == .connected && fake.eventClientCount > 0 }, "ARI never connected to the fake")
        return driver
    }

    func placeCall(caller: String, extension exten: String) async -> ChannelID { ChannelID(fake.placeCall(callerNumber: caller, extension: exten)) }
    func hangUpCaller(_ channel: ChannelID) async { fake.hangupCaller(channel.rawValue) }
    func pressDigit(_ digit: String, on channel: ChannelID) async { fake.sendDTMF(digit, on: channel.rawValue) }
    func answerOriginated(_ channel: ChannelID) async -> Bool { fake.answerOriginated(channel.rawValue) }
    func busyOriginated(_ channel: ChannelID) async { fake.busyOriginated(channel.rawValue) }
    func noAnswerOriginated(_ channel: ChannelID) async { fake.noAnswerOriginated(channel.rawValue) }
    func channels() async -> Set<ChannelID> { Set(fake.channels.keys.map { ChannelID($0) }) }
    func bridges() async -> [BridgeID: [ChannelID]] {
        Dictionary(uniqueKeysWithValues: fake.bridges.map { (BridgeID($0.key), $0.value.map { ChannelID($0) }) })
    }
    func refusal(of channel: ChannelID) async -> String? { fake.continuedChannels[channel.rawValue]?["VOICEGW_REFUSED"] }
    func transferExtension(of channel: ChannelID) async -> String? {
        fake.transfers.last { $0.channel == channel.rawValue && $0.context == "voicegw-transfer" }?.extension
    }
    func sentDigits(to channel: ChannelID) async -> [String] {
        fake.requests.filter { $0.method == "POST" && $0.path == "/ari/channels/\(channel)/dtmf" }.compactMap { $0.query["dtmf"] }
    }
    func stop() async {
        run.cancel()
        await fake.stop()
    }
}
