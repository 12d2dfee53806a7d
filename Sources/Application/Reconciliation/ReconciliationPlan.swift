import Domain

/// What to do so that the stored calls and the telephony server agree again, after a restart, a
/// reconnect or on the periodic check. A plain value computed from what the repository and the server
/// say: no I/O, so every rule is tested without sockets.
///
/// The rules (DESIGN.md, "State in Redis"; issue "State and events", item 4):
/// - a live call of this instance that no task runs (the previous process died) is resumed when its
///   channel is still in the application and re-attaching is on; otherwise it is ended with reason
///   `gateway_restart`, hanging the channel up if it is still in the application;
/// - a live call of an instance whose heartbeat expired is taken over when its channel is still in a
///   Stasis application and re-attaching is on (the instance that wins the call in the repository
///   resumes it, moving the channel into its own application if it is in another); otherwise it is
///   ended the same way;
/// - a call this instance runs whose channel left the application while the event connection was
///   down gets the `StasisEnd` it missed;
/// - with an incomplete inventory (one of several servers did not answer), a call or a running channel
///   missing from it is left alone: absence proves nothing;
/// - the media channels and bridges of calls being resumed or ended are deleted (the resumed call gets
///   new ones); other media channels and bridges that no live call references are deleted when they
///   are this instance's or untagged and older than the grace period (younger ones may belong to a call
///   being set up right now), or a dead instance's; another instance's are never touched (it may be
///   alive without sharing this repository).
public enum ReconciliationPlan {
    /// One step of the plan.
    public enum Action: Sendable, Hashable {
        /// Pick the call up again on its channel.
        case resume(Call, ChannelSnapshot)
        /// Make the call this instance's (if nobody else did first) and resume it; the channel is moved
        /// into this application first when it is in another.
        case takeOver(Call, ChannelSnapshot)
        /// End the stored call (`gateway_restart`), hanging up its channel first if asked.
        case end(Call, hangUp: Bool)
        /// A running call's channel is gone: deliver the missed `channelLeft`.
        case channelLeft(ChannelID)
        /// Delete a media channel of the daemon.
        case deleteMediaChannel(ChannelID)
        /// Delete a bridge of the daemon.
        case deleteBridge(BridgeID)
    }

    /// The settings that shape the plan.
    public struct Rules: Sendable, Hashable {
        /// Resume calls whose channel survived a restart (false: hang them up).
        public var reattach: Bool
        /// Unreferenced media channels and bridges younger than this are left alone.
        public var orphanGrace: Duration

        public init(reattach: Bool = true, orphanGrace: Duration = .seconds(30)) {
            self.reattach = reattach
            self.orphanGrace = orphanGrace
        }
    }

    /// What the plan is computed from.
    public struct Facts: Sendable, Hashable {
        /// Every live call in the repository, of every instance.
        public var liveCalls: [Call]
        /// This instance.
        public var instance: InstanceID
        /// Instances known to be dead (heartbeat expired), whether or not they left calls.
        public var deadInstances: Set<InstanceID>
        /// The calls this process has taken on (read after `liveCalls`): a live call of this instance
        /// that is not among them was left behind by a previous process.
        public var takenOn: Set<CallID>
        /// Channels of the calls this process runs now (read before `inventory`).
        public var running: Set<ChannelID>
        /// Media channel and bridge ids the running calls use (they may not be stored yet).
        public var runningMedia: Set<String>
        public var inventory: TelephonyInventory
        public var now: Timestamp

        public init(
            liveCalls: [Call], instance: InstanceID, deadInstances: Set<InstanceID>, takenOn: Set<CallID>,
            running: Set<ChannelID>, runningMedia: Set<String> = [], inventory: TelephonyInventory, now: Timestamp
        ) {
            self.liveCalls = liveCalls
            self.instance = instance
            self.deadInstances = deadInstances
            self.takenOn = takenOn
            self.running = running
            self.runningMedia = runningMedia
            self.inventory = inventory
            self.now = now
        }
    }

    /// The actions, in a safe order: the old media of abandoned calls first (a resumed call's channel
    /// must leave its old bridge before it joins a new one), then the calls, then other leftovers.
    public static func make(_ facts: Facts, rules: Rules) -> [Action] {
        var callActions: [Action] = []
        var stale: Set<String> = []
        var referenced = facts.runningMedia
        let inApplication = Set(facts.inventory.channels.filter(\.inApplication).map(\.id))

        for call in facts.liveCalls {
            let mine = call.instanceID == facts.instance
            let abandoned = mine ? !facts.takenOn.contains(call.id) : facts.deadInstances.contains(call.instanceID)
            guard abandoned else {
                referenced.formUnion(CallMediaReference.ids(of: call))
                continue
            }
            let listed = facts.inventory.channel(call.channelID)
            // Part of the telephony did not answer: a missing channel may be there, alive.
            if listed == nil && !facts.inventory.complete {
                referenced.formUnion(CallMediaReference.ids(of: call))
                continue
            }
            stale.formUnion(CallMediaReference.ids(of: call))
            let channel = listed.flatMap { $0.inStasis ? $0 : nil }
            switch channel {
            case let channel? where rules.reattach && mine && channel.inApplication:
                callActions.append(.resume(call, channel))
            case let channel? where rules.reattach:
                callActions.append(.takeOver(call, channel))
            default:
                callActions.append(.end(call, hangUp: channel != nil))
            }
        }
        for channel in facts.running.sorted() where !inApplication.contains(channel) {
            if !facts.inventory.complete && facts.inventory.channel(channel) == nil { continue }
            callActions.append(.channelLeft(channel))
        }

        // Another live instance's media is never an orphan, whether or not it shares the repository.
        let orphan = { (owner: InstanceID?, created: Timestamp?) -> Bool in
            if let owner, facts.deadInstances.contains(owner) { return true }
            guard owner == nil || owner == facts.instance else { return false }
            guard let created else { return true }
            return facts.now.duration(since: created) >= rules.orphanGrace
        }
        var staleDeletes: [Action] = []
        var orphanDeletes: [Action] = []
        for channel in facts.inventory.channels where channel.isDaemonMedia && !referenced.contains(channel.id.rawValue) {
            if stale.contains(channel.id.rawValue) {
                staleDeletes.append(.deleteMediaChannel(channel.id))
            } else if orphan(channel.owner, channel.createdAt) {
                orphanDeletes.append(.deleteMediaChannel(channel.id))
            }
        }
        for bridge in facts.inventory.bridges where !referenced.contains(bridge.id.rawValue) {
            if stale.contains(bridge.id.rawValue) {
                staleDeletes.append(.deleteBridge(bridge.id))
            } else if orphan(bridge.owner, bridge.createdAt) {
                orphanDeletes.append(.deleteBridge(bridge.id))
            }
        }
        return staleDeletes + callActions + orphanDeletes
    }
}
