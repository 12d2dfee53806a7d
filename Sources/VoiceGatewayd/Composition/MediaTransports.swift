import Domain
import Logging
import Media
import Metrics
import ServiceLifecycle

/// The media engines for every configured transport, behind one `MediaEngine` that picks by transport.
/// The AudioSocket TCP server is bound only when some call can use it: `media.transport` is
/// `audiosocket`, a tenant in `tenants.file` chooses it, or dialplan AudioSocket calls are accepted.
struct MediaTransports: Sendable {
    let engine: any MediaEngine
    /// The transports `engine` has an engine for.
    let kinds: Set<MediaTransportKind>
    let services: [any Service]
    /// Where dialplan `AudioSocket()` calls come from (`media.audiosocket.dialplan_calls`).
    let mediaCalls: (any MediaCallSource)?

    /// `used` are the transports calls may ask for (the default and every tenant's choice).
    static func make(config: DaemonConfiguration, used: Set<MediaTransportKind>, metrics: any MetricsFactory, logger: Logger) -> MediaTransports {
        // Every transport's sockets, ticks and the calls' tasks run on these loops, apart from HTTP/ARI/Redis/Kafka.
        let group = MediaEventLoops.make(
            count: config.media.threads, nice: config.media.threadNice, realtimePriority: config.media.threadRealtimePriority, logger: logger)
        let rtp = RTPMediaEngine(
            configuration: .init(
                host: config.rtp.host, portRange: config.rtp.portRange,
                inboundFormat: config.rtp.codec, outboundFormat: config.rtp.outboundCodec,
                jitterDepth: config.media.jitterDepth, socketMode: config.rtp.socket),
            group: group, metricsFactory: metrics, logger: logger)
        let webSocket = WebSocketMediaEngine(
            configuration: .init(baseURL: config.media.webSocketURL, startTimeout: config.media.webSocketStartTimeout),
            group: group, metricsFactory: metrics, logger: logger)
        var engines: [MediaTransportKind: any MediaEngine] = [.rtp: rtp, .websocket: webSocket]
        var services: [any Service] = []
        var mediaCalls: (any MediaCallSource)?
        if used.contains(.audiosocket) || config.media.dialplanCalls {
            let audioSocket = AudioSocketMediaEngine(
                configuration: .init(
                    host: config.media.audioSocketHost, port: config.media.audioSocketPort, advertisedHost: config.media.audioSocketAdvertised,
                    acceptsDialplanCalls: config.media.dialplanCalls),
                group: group, metricsFactory: metrics, logger: logger)
            engines[.audiosocket] = audioSocket
            services.append(AudioSocketServerService(engine: audioSocket))
            if config.media.dialplanCalls { mediaCalls = audioSocket }
        }
        return MediaTransports(engine: MediaEngines(engines), kinds: Set(engines.keys), services: services, mediaCalls: mediaCalls)
    }
}

/// Runs the AudioSocket TCP server for the life of the service group.
struct AudioSocketServerService: Service {
    let engine: AudioSocketMediaEngine

    func run() async throws {
        try await engine.start()
        try? await gracefulShutdown()
        await engine.shutdown()
    }
}
