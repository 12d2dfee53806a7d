import Application
import Domain
import Testing

/// The reconciliation rules as a value: stored calls and the server's inventory in, actions out.
@Suite struct ReconciliationPlanTests {
    let me = InstanceID("node-a")
    let now = Timestamp(millisecondsSinceEpoch: 1_800_000_000_000)

    func call(_ id: String, channel: String, instance: String = "node-a", media: String? = nil, bridge: String? = nil) -> Call {
        var call = Call(
            id: CallID(id), tenantID: "default", channelID: ChannelID(channel), conversationID: ConversationID("conv-\(id)"),
            direction: .inbound, callerNumber: "+1555", calleeNumber: "100", instanceID: InstanceID(instance),
            createdAt: now.advanced(by: .seconds(-60)))
        if let media { call.metadata[CallMediaReference.mediaChannelKey] = media }
        if let bridge { call.metadata[CallMediaReference.bridgeKey] = bridge }
        return call
    }

    func caller(_ id: String, inApp: Bool = true) -> ChannelSnapshot {
        ChannelSnapshot(id: ChannelID(id), name: "PJSIP/trunk-\(id)", state: "Up", inApplication: inApp, isDaemonMedia: false)
    }

    func media(_ id: String, age: Duration) -> ChannelSnapshot {
        ChannelSnapshot(
            id: ChannelID(id), name: "UnicastRTP/127.0.0.1:40000-\(id)", state: "Up", inApplication: true, isDaemonMedia: true,
            createdAt: now.advanced(by: .zero - age))
    }

    func bridge(_ id: String, age: Duration, _ members: [String] = []) -> BridgeSnapshot {
        BridgeSnapshot(id: BridgeID(id), channels: members.map { ChannelID($0) }, createdAt: now.advanced(by: .zero - age))
    }

    func plan(
        _ calls: [Call], dead: Set<InstanceID> = [], takenOn: Set<CallID> = [], running: Set<ChannelID> = [],
        runningMedia: Set<String> = [], channels: [ChannelSnapshot], bridges: [BridgeSnapshot] = [], reattach: Bool = true
    ) -> [ReconciliationPlan.Action] {
        ReconciliationPlan.make(
            .init(
                liveCalls: calls, instance: me, deadInstances: dead, takenOn: takenOn, running: running, runningMedia: runningMedia,
                inventory: TelephonyInventory(channels: channels, bridges: bridges), now: now),
            rules: .init(reattach: reattach, orphanGrace: .seconds(30)))
    }

    @Test func aCallLeftBehindWhoseChannelSurvivedIsResumedAfterItsOldMediaIsDeleted() {
        let left = call("c1", channel: "ch1", media: "voicegw-m-1", bridge: "voicegw-b-1")
        let actions = plan(
            [left], channels: [caller("ch1"), media("voicegw-m-1", age: .seconds(2))], bridges: [bridge("voicegw-b-1", age: .seconds(2), ["ch1", "voicegw-m-1"])])
        // Young, but known stale: deleted before the call joins a new bridge.
        #expect(actions == [.deleteMediaChannel("voicegw-m-1"), .deleteBridge("voicegw-b-1"), .resume(left, caller("ch1"))])
    }

    @Test func withReattachOffTheSurvivingChannelIsHungUpAndTheCallEnded() {
        let left = call("c1", channel: "ch1")
        #expect(plan([left], channels: [caller("ch1")], reattach: false) == [.end(left, hangUp: true)])
    }

    @Test func aCallWhoseChannelIsGoneIsEndedWithoutAHangup() {
        let left = call("c1", channel: "ch1", media: "voicegw-m-1")
        let actions = plan([left], channels: [media("voicegw-m-1", age: .seconds(1))])
        #expect(actions == [.deleteMediaChannel("voicegw-m-1"), .end(left, hangUp: false)])
    }

    @Test func aChannelThatLeftTheApplicationIsNotResumed() {
        // E.g. transferred to the dialplan just before the crash: still exists, but not in Stasis.
        let left = call("c1", channel: "ch1")
        #expect(plan([left], channels: [caller("ch1", inApp: false)]) == [.end(left, hangUp: false)])
    }

    @Test func runningCallsAreLeftAloneAndAMissedHangupIsDelivered() {
        let running = call("c1", channel: "ch1", media: "voicegw-m-1", bridge: "voicegw-b-1")
        let gone = call("c2", channel: "ch2")
        let actions = plan(
            [running, gone], takenOn: [running.id, gone.id], running: ["ch1", "ch2"],
            channels: [caller("ch1"), media("voicegw-m-1", age: .seconds(600))], bridges: [bridge("voicegw-b-1", age: .seconds(600))])
        #expect(actions == [.channelLeft("ch2")])
    }

    @Test func callsOfADeadInstanceAreTakenOverAndThoseOfALiveOneAreKept() {
        let ghost = call("c1", channel: "ch1", instance: "node-dead", media: "voicegw-m-1")
        let peer = call("c2", channel: "ch2", instance: "node-b", media: "voicegw-m-2", bridge: "voicegw-b-2")
        let actions = plan(
            [ghost, peer], dead: ["node-dead"],
            channels: [caller("ch1"), caller("ch2"), media("voicegw-m-1", age: .seconds(900)), media("voicegw-m-2", age: .seconds(900))],
            bridges: [bridge("voicegw-b-2", age: .seconds(900))])
        #expect(actions == [.deleteMediaChannel("voicegw-m-1"), .takeOver(ghost, caller("ch1"))])
    }

    @Test func aDeadInstancesCallInItsOwnApplicationIsTakenOverAndEndedWithReattachOff() {
        let ghost = call("c1", channel: "ch1", instance: "node-dead")
        let elsewhere = ChannelSnapshot(id: "ch1", name: "PJSIP/trunk-1", state: "Up", inApplication: false, isDaemonMedia: false, inStasis: true)
        #expect(plan([ghost], dead: ["node-dead"], channels: [elsewhere]) == [.takeOver(ghost, elsewhere)])
        #expect(plan([ghost], dead: ["node-dead"], channels: [elsewhere], reattach: false) == [.end(ghost, hangUp: true)])
        // Gone, or back in the dialplan: nothing to take over.
        #expect(plan([ghost], dead: ["node-dead"], channels: [caller("ch1", inApp: false)]) == [.end(ghost, hangUp: false)])
    }

    @Test func anotherInstancesMediaIsNeverAnOrphanUnlessItIsDead() {
        func tagged(_ id: String, _ owner: String, age: Duration) -> ChannelSnapshot {
            var snapshot = media(id, age: age)
            snapshot.owner = InstanceID(owner)
            return snapshot
        }
        var foreignBridge = bridge("voicegw-b-node-b-1", age: .seconds(900))
        foreignBridge.owner = "node-b"
        var deadBridge = bridge("voicegw-b-node-dead-1", age: .seconds(1))
        deadBridge.owner = "node-dead"
        let actions = plan(
            [], dead: ["node-dead"],
            channels: [
                // node-b may be alive without sharing this repository: untouched however old.
                tagged("voicegw-m-node-b-1", "node-b", age: .seconds(900)),
                // A dead instance sets nothing up any more: deleted however young.
                tagged("voicegw-m-node-dead-1", "node-dead", age: .seconds(1)),
                // This instance's own: after the grace.
                tagged("voicegw-m-node-a-1", "node-a", age: .seconds(31)), tagged("voicegw-m-node-a-2", "node-a", age: .seconds(5)),
            ],
            bridges: [foreignBridge, deadBridge])
        #expect(actions == [.deleteMediaChannel("voicegw-m-node-dead-1"), .deleteMediaChannel("voicegw-m-node-a-1"), .deleteBridge("voicegw-b-node-dead-1")])
    }

    @Test func unreferencedLeftoversAreDeletedOnlyOnceOlderThanTheGrace() {
        let actions = plan(
            [], runningMedia: ["voicegw-m-setup"],
            channels: [
                media("voicegw-m-old", age: .seconds(31)), media("voicegw-m-young", age: .seconds(5)),
                media("voicegw-m-setup", age: .seconds(300)),
            ],
            bridges: [bridge("voicegw-b-old", age: .seconds(45)), bridge("voicegw-b-young", age: .seconds(29))])
        #expect(actions == [.deleteMediaChannel("voicegw-m-old"), .deleteBridge("voicegw-b-old")])
    }

    @Test func callsTheProcessTookOnAreNotMistakenForLeftovers() {
        // Stored by this process but its task already finished (or not yet registered): not abandoned.
        let mine = call("c1", channel: "ch1")
        #expect(plan([mine], takenOn: [mine.id], channels: [caller("ch1")]).isEmpty)
    }

    @Test func withAnIncompleteInventoryAMissingChannelProvesNothing() {
        // pbx2 did not answer: its calls and running channels are missing from the inventory, alive.
        let stored = call("c1", channel: "pbx2/1.1", media: "voicegw-m-1")
        let gone = call("c2", channel: "pbx1/1.2")
        var inventory = [caller("pbx1/1.3", inApp: false)]
        inventory.append(media("voicegw-m-1", age: .seconds(900)))
        let facts = ReconciliationPlan.Facts(
            liveCalls: [stored, gone], instance: me, deadInstances: [], takenOn: [], running: ["pbx2/1.9"],
            inventory: { var i = TelephonyInventory(channels: inventory, bridges: []); i.complete = false; return i }(), now: now)
        let actions = ReconciliationPlan.make(facts, rules: .init())
        // Nothing ended, no hangup delivered, and the missing call's media is still referenced.
        #expect(actions.isEmpty, "\(actions)")
    }
}
