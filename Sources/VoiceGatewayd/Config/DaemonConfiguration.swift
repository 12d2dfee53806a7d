import Application
import Domain
import Foundation
import Logging
import Media

/// The whole validated configuration of the daemon. Read only here; adapters get their own structs.
struct DaemonConfiguration: Sendable {
    struct ARI: Sendable {
        var url: URL
        var username: String
        var password: String
        var app: String
        var requestTimeout: Duration
        var transferContext: String
        /// Several servers (`ari.servers`); empty: the one above.
        var servers: [ARIServer] = []
    }

    struct RTP: Sendable {
        var host: String
        var portRange: ClosedRange<Int>
        /// Caller audio format asked of Asterisk: ulaw | alaw | slin16 | opus.
        var codec: RTPPayloadFormat = .ulaw
        /// What the daemon sends back: ulaw | alaw.
        var outboundCodec: RTPPayloadFormat = .ulaw
        /// shared (one socket per event loop, calls told apart by source) | per_call.
        var socket: RTPMediaEngine.SocketMode = .shared
    }

    /// The media engines' settings besides RTP (`media.*`).
    struct Media: Sendable {
        /// The AudioSocket TCP server.
        var audioSocketHost: String
        var audioSocketPort: Int
        /// `host:port` Asterisk connects to, when it differs from the bound address (nil: the bound one).
        var audioSocketAdvertised: String?
        /// `media.audiosocket.dialplan_calls`: take connections from the dialplan `AudioSocket()` app as calls.
        var dialplanCalls: Bool
        /// `media.audiosocket.dialplan_number`: the number dialplan calls belong to (tenant lookup).
        var dialplanNumber: String
        /// chan_websocket base URL (`ws://HOST:8088`); derived from `ari.url` when empty in the file.
        var webSocketURL: String
        var webSocketStartTimeout: Duration
        /// How long an inbound RTP gap waits for a reordered packet before it is concealed.
        var jitterDepth: Duration
        /// `media.threads.count`: the media event loops (0: one per core).
        var threads: Int
        /// `media.threads.nice`: their nice value (-20...19).
        var threadNice: Int
        /// `media.threads.realtime_priority`: SCHED_RR priority (1...99), 0 for none.
        var threadRealtimePriority: Int
    }

    var instanceID: InstanceID
    var logLevel: Logger.Level
    var jsonLogs: Bool
    var ari: ARI
    /// The AMI fallback; nil: off.
    var ami: AMI?
    var transport: MediaTransportKind
    var rtp: RTP
    var media: Media
    var httpHost: String
    var httpPort: Int
    /// `/metrics` and `/ready` answer any peer (false: loopback only).
    var metricsPublic: Bool
    /// Each tenant's `/v1` requests per second (0: no limit) and burst.
    var apiRate: Double
    var apiBurst: Int
    /// External numbers the operator API may call or transfer to.
    var allowedDestinations: DestinationPolicy
    /// Outbound calls: dial template and who speaks first (`calls.dial_template`, `calls.outbound.*`).
    var outbound: OutboundSettings
    /// Transfers (`calls.transfer.*`; the context is `ari.transfer_context`).
    var transfer = TransferSettings()
    /// The daemon's own lines per tenant and language (`conversation.lines_file`).
    var lines = LineBook()
    /// Call recording (`calls.recording.*`).
    var recording = RecordingSettings()
    /// The operator's redaction patterns (`redaction.patterns_file`), checked to compile.
    var redactionPatterns: [String] = []
    /// The HS256 secret of API tokens (empty: none).
    var apiHS256Secret: String
    /// The text of the PEM or JWKS file of the API's public keys (empty: none).
    var apiPublicKeys: String
    /// The JSONL events file (`events.file`).
    var eventsFile: String { stateAndEvents.eventsFile }
    /// Call state (memory or Redis) and events (JSONL or Kafka with a spool).
    var stateAndEvents: StateAndEventsConfiguration
    var agent: AgentConfiguration
    var agentScript: String { agent.script }
    /// STT/TTS chains, vendor settings and chain policy (SpeechConfiguration.swift).
    var speech: SpeechConfiguration
    var sttProvider: String { speech.sttProviders[0] }
    var pocketsphinxModelDir: String { speech.settings.pocketsphinx.modelDirectory }
    var pocketsphinxMode: String { speech.settings.pocketsphinx.mode.rawValue }
    var ttsProvider: String { speech.ttsProviders[0] }
    var espeakVoice: String { speech.settings.espeak.voice }
    var espeakRate: Int { speech.settings.espeak.rate }
    var conversation: ConversationConfiguration
    var tenantsFile: String?
    var defaultLanguage: String
    /// Number normalisation and the tenant manager (`tenants.*`, TenantDirectoryConfiguration.swift).
    var tenantDirectory: TenantDirectoryConfiguration
    var maxConcurrentCalls: Int?
    /// `calls.reattach`: resume calls that survived a restart (false: hang them up).
    var reattachCalls: Bool
    /// `calls.reconcile_interval_s`.
    var reconcileInterval: Duration
    /// `calls.orphan_grace_s`.
    var orphanGrace: Duration
    /// `shutdown.grace_ms`: how long live calls go on after SIGTERM.
    var shutdownGrace: Duration
    /// `shutdown.goodbye`: said to each call still live when the grace period ends ("" says nothing).
    var shutdownGoodbye: String

    /// Loads the embedded default, overlaid by `file` (if any) and by `VOICEGW_*` variables.
    /// Returns the configuration and warnings (unknown variables).
    static func load(file: String?, environment: [String: String]) throws(ConfigError) -> (DaemonConfiguration, warnings: [String]) {
        var tree = try ConfigTree.embedded()
        if let file { tree = try tree.overlaid(file: file) }
        let (final, unknown) = tree.overlaid(environment: environment)
        let warnings = unknown.map { "ignoring unknown environment variable \($0)" }
        return (try DaemonConfiguration(ConfigReader(tree: final)), warnings)
    }

    init(_ r: ConfigReader) throws(ConfigError) {
        let instance = try r.string("instance_id")
        // Stable across restarts (so a restarted daemon finds its calls in Redis): the host name unless set.
        instanceID = instance.isEmpty ? InstanceID(ProcessInfo.processInfo.hostName) : InstanceID(instance)
        // It is written into Asterisk channel and bridge ids and Redis keys.
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        guard (1...64).contains(instanceID.rawValue.count), instanceID.rawValue.allSatisfy(allowed.contains) else {
            throw ConfigError(key: "instance_id", message: "'\(instanceID.rawValue)' must be 1-64 letters, digits, '.', '_' or '-'")
        }
        let level = try r.oneOf("log.level", ["trace", "debug", "info", "notice", "warning", "error", "critical"])
        logLevel = Logger.Level(rawValue: level) ?? .info
        jsonLogs = try r.oneOf("log.format", ["text", "json"]) == "json"

        ari = ARI(
            url: try r.url("ari.url", schemes: ["http", "https"]),
            username: try r.nonEmpty("ari.username"),
            password: try r.secret("ari.password"),
            app: try r.nonEmpty("ari.app"),
            requestTimeout: try r.milliseconds("ari.request_timeout_ms", in: 100...120_000),
            transferContext: try r.nonEmpty("ari.transfer_context"))
        ari.servers = try Self.ariServers(r, base: ari)
        ami = try Self.ami(r, servers: ari.servers.count)

        transport = try r.choice("media.transport", MediaTransportKind.self)
        // chan_websocket media connects to one Asterisk's HTTP server (media.websocket.url).
        if transport == .websocket && ari.servers.count > 1 {
            throw ConfigError(key: "media.transport", message: "websocket media needs a single Asterisk; with ari.servers use rtp or audiosocket")
        }
        let portMin = try r.int("media.rtp.port_min", in: 1024...65534)
        let portMax = try r.int("media.rtp.port_max", in: 1024...65535)
        guard portMin <= portMax else {
            throw ConfigError(key: "media.rtp.port_max", message: "must not be below media.rtp.port_min (\(portMin))")
        }
        rtp = RTP(
            host: try r.nonEmpty("media.rtp.host"), portRange: portMin...portMax,
            codec: try r.choice("media.rtp.codec", RTPPayloadFormat.self),
            outboundCodec: RTPPayloadFormat(rawValue: try r.oneOf("media.rtp.outbound_codec", ["ulaw", "alaw"])) ?? .ulaw,
            socket: try r.choice("media.rtp.socket", RTPMediaEngine.SocketMode.self))
        let advertised = try r.string("media.audiosocket.advertised_host")
        var webSocketURL = try r.string("media.websocket.url")
        if webSocketURL.isEmpty, var components = URLComponents(url: ari.url, resolvingAgainstBaseURL: false) {
            components.scheme = components.scheme == "https" ? "wss" : "ws"
            components.path = ""
            webSocketURL = components.string ?? ""
        }
        guard webSocketURL.hasPrefix("ws://") || webSocketURL.hasPrefix("wss://") else {
            throw ConfigError(key: "media.websocket.url", message: "must be a ws:// or wss:// URL")
        }
        media = Media(
            audioSocketHost: try r.nonEmpty("media.audiosocket.host"),
            audioSocketPort: try r.int("media.audiosocket.port", in: 1...65535),
            audioSocketAdvertised: advertised.isEmpty ? nil : advertised,
            dialplanCalls: try r.bool("media.audiosocket.dialplan_calls"),
            dialplanNumber: try r.string("media.audiosocket.dialplan_number"),
            webSocketURL: webSocketURL,
            webSocketStartTimeout: try r.milliseconds("media.websocket.start_timeout_ms", in: 100...60_000),
            jitterDepth: try r.milliseconds("media.jitter.depth_ms", in: 20...500),
            threads: try r.int("media.threads.count", in: 0...256),
            threadNice: try r.int("media.threads.nice", in: -20...19),
            threadRealtimePriority: try r.int("media.threads.realtime_priority", in: 0...99))

        httpHost = try r.nonEmpty("http.host")
        httpPort = try r.int("http.port", in: 0...65535)
        metricsPublic = try r.bool("http.metrics_public")
        apiRate = try r.number("http.rate_limit.requests_per_s", in: 0...100_000)
        apiBurst = try r.int("http.rate_limit.burst", in: 1...1_000_000)
        apiHS256Secret = try r.secret("http.auth.hs256_secret")
        if !apiHS256Secret.isEmpty && apiHS256Secret.utf8.count < 32 {
            throw ConfigError(key: "http.auth.hs256_secret", message: "must be at least 32 bytes (it is \(apiHS256Secret.utf8.count))")
        }
        apiPublicKeys = ""
        if !(try r.string("http.auth.public_keys_file")).isEmpty {
            let path = try r.existingFile("http.auth.public_keys_file")
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ConfigError(key: "http.auth.public_keys_file", message: "\(path) is not text")
            }
            apiPublicKeys = text
        }
        agent = try AgentConfiguration(r)

        speech = try SpeechConfiguration(r)
        stateAndEvents = try StateAndEventsConfiguration(r)

        var conversation = ConversationConfiguration()
        conversation.endSilence = try r.milliseconds("conversation.end_silence_ms", in: 100...5000)
        conversation.bargeIn = try r.bool("conversation.barge_in")
        conversation.bargeInMinSpeech = try r.milliseconds("conversation.barge_in_min_speech_ms", in: 60...2000)
        conversation.echoGuard = try r.bool("conversation.echo_guard")
        conversation.noInputTimeout = try r.milliseconds("conversation.no_input_timeout_ms", in: 1000...120_000)
        conversation.firstDigitTimeout = try r.milliseconds("conversation.first_digit_timeout_ms", in: 500...120_000)
        if !(try r.string(LinesFile.key)).isEmpty { lines = try LinesFile.load(path: try r.existingFile(LinesFile.key)) }
        conversation.interDigitTimeout = try r.milliseconds("conversation.inter_digit_timeout_ms", in: 500...60_000)
        conversation.maxNoInputStrikes = try r.int("conversation.max_no_input", in: 1...20)
        conversation.agentTimeout = try r.milliseconds("conversation.agent_timeout_ms", in: 500...120_000)
        conversation.sttTimeout = try r.milliseconds("conversation.stt_timeout_ms", in: 500...120_000)
        conversation.repromptLine = try r.nonEmpty("conversation.reprompt")
        conversation.goodbyeLine = try r.nonEmpty("conversation.goodbye")
        conversation.resumeLine = try r.nonEmpty("conversation.resume")
        conversation.streamWholeCall = try r.oneOf("stt.streaming", ["call", "utterance"]) != "utterance"
        conversation.vendorEndpointing = try r.oneOf("stt.endpointing", ["vendor", "daemon"]) != "daemon"
        conversation.earlyStart = try r.milliseconds("stt.early_start_ms", in: 0...5000)
        conversation.streamFinalWait = try r.milliseconds("stt.final_wait_ms", in: 100...30_000)
        self.conversation = conversation

        let tenants = try r.string("tenants.file")
        tenantsFile = tenants.isEmpty ? nil : try r.existingFile("tenants.file")
        defaultLanguage = try r.nonEmpty("tenants.default_language")
        tenantDirectory = try TenantDirectoryConfiguration(r)
        let limit = try r.int("calls.max_concurrent", in: 0...100_000)
        maxConcurrentCalls = limit == 0 ? nil : limit
        reattachCalls = try r.bool("calls.reattach")
        let patterns = try r.string("calls.allowed_destinations").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        do { allowedDestinations = try DestinationPolicy(patterns: patterns) } catch {
            throw ConfigError(key: "calls.allowed_destinations", message: error.description)
        }
        var outbound = OutboundSettings()
        let dialTemplate = try r.nonEmpty("calls.dial_template")
        do { outbound.dialTemplate = try DialTemplate(dialTemplate) } catch {
            throw ConfigError(key: "calls.dial_template", message: error.description)
        }
        outbound.agentSpeaksFirst = try r.oneOf("calls.outbound.first_speaker", ["callee", "agent"]) == "agent"
        outbound.calleeWait = try r.milliseconds("calls.outbound.callee_wait_ms", in: 0...30_000)
        outbound.machineDetection = try r.choice("calls.outbound.machine_detection", MachineHandling.self)
        outbound.machineMessage = try r.string("calls.outbound.machine_message")
        if outbound.machineDetection == .leaveMessage, outbound.machineMessage.isEmpty {
            throw ConfigError(key: "calls.outbound.machine_message", message: "machine_detection: message needs a message")
        }
        self.outbound = outbound
        transfer.mode = try r.choice("calls.transfer.mode", TransferMode.self)
        transfer.context = ari.transferContext
        transfer.holdLine = try r.nonEmpty("calls.transfer.hold_line")
        transfer.noAnswerLine = try r.nonEmpty("calls.transfer.no_answer_line")
        transfer.failedLine = try r.nonEmpty("calls.transfer.failed_line")
        transfer.ringTimeout = .seconds(try r.int("calls.transfer.ring_timeout_s", in: 5...120))
        transfer.summaryLines = try r.int("calls.transfer.summary_lines", in: 0...10)
        redactionPatterns = try RedactionPatternsFile.load(try r.string(RedactionPatternsFile.key))
        recording.enabled = try r.bool("calls.recording.enabled")
        recording.format = try r.oneOf("calls.recording.format", ["wav", "wav16", "gsm", "ulaw", "alaw", "sln", "sln16"])
        recording.announcement = try r.string("calls.recording.announcement")
        recording.optOutKey = try r.string("calls.recording.opt_out_key")
        if !recording.optOutKey.isEmpty, recording.optOutKey.count != 1 || !DigitRequest.keys.contains(recording.optOutKey.first!) {
            throw ConfigError(key: "calls.recording.opt_out_key", message: "one key (0-9, *, #, A-D) or empty")
        }
        reconcileInterval = .seconds(try r.int("calls.reconcile_interval_s", in: 1...3600))
        orphanGrace = .seconds(try r.int("calls.orphan_grace_s", in: 0...3600))
        shutdownGrace = try r.milliseconds("shutdown.grace_ms", in: 0...600_000)
        shutdownGoodbye = try r.string("shutdown.goodbye")
    }
}
