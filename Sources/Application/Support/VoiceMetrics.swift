import Domain
import Metrics

/// The application's metrics, created once with bounded labels (never a call id).
public struct VoiceMetrics: Sendable {
    private let factory: any MetricsFactory

    private let activeCalls: Gauge
    private let activeCallCount = ActiveCount()

    public init(factory: any MetricsFactory) {
        self.factory = factory
        self.activeCalls = Gauge(label: "voicegw_active_calls", factory: factory)
        activeCalls.record(0)
        // Created up front so that scrapes show zeros before the first call.
        for reason in Self.rejectionReasons {
            _ = Counter(label: "voicegw_calls_rejected_total", dimensions: [("reason", reason)], factory: factory)
        }
        for action in Self.reconciliationActions {
            _ = Counter(label: "voicegw_reconciliation_actions_total", dimensions: [("action", action)], factory: factory)
        }
        for stage in PipelineStage.allCases {
            _ = Metrics.Timer(label: "voicegw_stage_latency_seconds", dimensions: [("stage", stage.rawValue)], factory: factory)
        }
        _ = Counter(label: "voicegw_barge_ins_total", factory: factory)
        _ = Counter(label: "voicegw_prompts_held_total", factory: factory)
        _ = Counter(label: "voicegw_prompts_resumed_total", factory: factory)
        _ = Counter(label: "voicegw_channel_claims_lost_total", factory: factory)
        for kind in TransferMode.allCases {
            for outcome in TransferOutcome.allCases {
                _ = Counter(label: "voicegw_transfers_total", dimensions: [("kind", kind.rawValue), ("outcome", outcome.rawValue)], factory: factory)
            }
        }
        for outcome in ["used", "withdrawn"] {
            _ = Counter(label: "voicegw_early_starts_total", dimensions: [("outcome", outcome)], factory: factory)
        }
        for direction in [CallDirection.inbound, .outbound] {
            _ = Counter(label: "voicegw_calls_started_total", dimensions: [("direction", direction.rawValue)], factory: factory)
            for reason in EndReason.all {
                _ = Counter(
                    label: "voicegw_calls_total", dimensions: [("direction", direction.rawValue), ("outcome", reason.rawValue)],
                    factory: factory)
            }
        }
    }

    /// Why calls are refused before they start (the `reason` label values).
    public static let rejectionReasons = ["capacity", "tenant_capacity", "shutting_down", "unknown_number", "directory_unavailable"]
    /// What reconciliation does (the `action` label values).
    public static let reconciliationActions = ["resumed", "ended", "missed_hangup", "media_deleted", "bridge_deleted"]

    /// Creates the provider series of the configured providers up front, so that a scrape shows them
    /// (at zero) before the first request: requests and latency per provider and kind, errors per kind.
    public func registerProviders(stt: [String], tts: [String]) {
        for (kind, names) in [("stt", stt), ("tts", tts)] {
            for provider in names {
                _ = Counter(
                    label: "voicegw_provider_requests_total", dimensions: [("provider", provider), ("kind", kind), ("outcome", "success")],
                    factory: factory)
                _ = Metrics.Timer(label: "voicegw_provider_latency_seconds", dimensions: [("provider", provider), ("kind", kind)], factory: factory)
                for error in ProviderError.Kind.all {
                    _ = Counter(
                        label: "voicegw_provider_errors_total", dimensions: [("kind", kind), ("provider", provider), ("error", error.description)],
                        factory: factory)
                }
            }
        }
    }

    /// A call started (`direction` is inbound or outbound).
    public func callStarted(direction: CallDirection) {
        Counter(label: "voicegw_calls_started_total", dimensions: [("direction", direction.rawValue)], factory: factory).increment()
        activeCalls.record(activeCallCount.add(1))
    }

    /// A call ended with `reason` (a small fixed set).
    public func callEnded(direction: CallDirection, reason: EndReason) {
        Counter(
            label: "voicegw_calls_total",
            dimensions: [("direction", direction.rawValue), ("outcome", reason.rawValue)], factory: factory
        ).increment()
        activeCalls.record(activeCallCount.add(-1))
    }

    /// A call left behind by a previous process (or a dead instance) was ended by reconciliation; it
    /// was never active in this process.
    public func abandonedCallEnded(direction: CallDirection, reason: EndReason) {
        Counter(
            label: "voicegw_calls_total",
            dimensions: [("direction", direction.rawValue), ("outcome", reason.rawValue)], factory: factory
        ).increment()
    }

    /// A call left behind by a previous process was picked up again.
    public func callResumed() {
        activeCalls.record(activeCallCount.add(1))
    }

    /// Reconciliation did `action` (`resumed`, `ended`, `missed_hangup`, `media_deleted`, `bridge_deleted`).
    public func reconciled(_ action: String) {
        Counter(label: "voicegw_reconciliation_actions_total", dimensions: [("action", action)], factory: factory).increment()
    }

    /// A new channel was left to the instance that claimed it first.
    public func channelClaimLost() {
        Counter(label: "voicegw_channel_claims_lost_total", factory: factory).increment()
    }

    /// A call was refused before it started (overload, shutdown, unknown number).
    public func callRejected(reason: String) {
        Counter(label: "voicegw_calls_rejected_total", dimensions: [("reason", reason)], factory: factory).increment()
    }

    /// How long a pipeline stage took.
    public func stageLatency(_ stage: PipelineStage, _ duration: Duration) {
        Metrics.Timer(label: "voicegw_stage_latency_seconds", dimensions: [("stage", stage.rawValue)], factory: factory)
            .recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    /// A provider request failed.
    public func providerFailure(kind: String, error: ProviderError) {
        Counter(
            label: "voicegw_provider_errors_total",
            dimensions: [("kind", kind), ("provider", error.provider), ("error", error.kind.description)], factory: factory
        ).increment()
    }

    /// A transfer attempt ended (`kind` blind or warm; `outcome` completed, busy, no_answer, failed).
    func transfer(kind: TransferMode, outcome: TransferOutcome) {
        Counter(label: "voicegw_transfers_total", dimensions: [("kind", kind.rawValue), ("outcome", outcome.rawValue)], factory: factory).increment()
    }

    /// Caller speech interrupted the daemon.
    public func bargeIn() {
        Counter(label: "voicegw_barge_ins_total", factory: factory).increment()
    }

    /// A prompt was held: the caller's voice came over it.
    public func promptHeld() {
        Counter(label: "voicegw_prompts_held_total", factory: factory).increment()
    }

    /// A held prompt went on: the voice was too short, or said nothing.
    public func promptResumed() {
        Counter(label: "voicegw_prompts_resumed_total", factory: factory).increment()
    }

    /// An answer started early on a caller's pause was played (`used`) or thrown away (`withdrawn`).
    public func earlyStart(used: Bool) {
        Counter(label: "voicegw_early_starts_total", dimensions: [("outcome", used ? "used" : "withdrawn")], factory: factory).increment()
    }
}

import Synchronization

/// The number of live calls behind the gauge.
private final class ActiveCount: Sendable {
    private let value = Mutex(0)
    func add(_ delta: Int) -> Int { value.withLock { $0 += delta; return max($0, 0) } }
}
