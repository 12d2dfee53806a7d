import Agent
import Application
import AsteriskARI
import CallState
import Directory
import Domain
import Events
import Foundation
import Logging
import ManagementAPI
import Media
import Metrics
import Prometheus
import ServiceLifecycle

/// Builds the whole daemon from a validated configuration: every adapter, the call service, the
/// management API, in one `ServiceGroup`. `main` and the end-to-end tests both call this.
///
/// Throws `ConfigError` when a referenced file (agent script, tenants table) is invalid, and
/// `ProviderError` when an embedded engine cannot load.
func buildServiceGroup(config: DaemonConfiguration, logger: Logger, hooks: DaemonHooks = .init()) async throws -> Daemon {
    let registry = PrometheusCollectorRegistry()
    let metrics = PrometheusMetricsFactory(registry: registry)
    let clock = hooks.clock

    let telephony = TelephonyLoader.make(config: config, clock: clock, metrics: metrics, logger: logger)

    let tenantsFile = try TenantLoader.file(config: config)
    let tenants = TenantLoader.table(config: config, file: tenantsFile)
    let used = Set([config.transport] + tenants.tenants.values.compactMap(\.transport))
    let transports = MediaTransports.make(config: config, used: used, metrics: metrics, logger: logger)
    let media = transports.engine
    let lookupMetrics = TenantLookupMetrics(factory: metrics)
    let directory = ReplaceableTenantDirectory(TenantLoader.directory(
        config: config, file: tenantsFile, table: tenants, transports: transports.kinds, metrics: lookupMetrics, clock: clock, logger: logger))
    let speech = try await SpeechProviders.make(config: config, metrics: metrics, clock: clock, logger: logger)
    let agents = try AgentLoader.roster(config.agent, tenants: tenants, logger: logger)
    // The turn-based agent the call service falls back on (the roster decides per tenant).
    let agent: any Agent = if case .turns(let fallback) = agents.fallback { fallback } else { try AgentLoader.scripted(path: config.agent.script) }
    let storage = try StateAndEvents.make(config: config, clock: clock, metrics: metrics, logger: logger)
    let repository = storage.repository
    let publisher = storage.publisher

    // Process-wide, like the card-number masking they extend; checked when the configuration was read.
    if !config.redactionPatterns.isEmpty { try? RedactionPatterns.configure(config.redactionPatterns) }
    var callConfig = CallServiceConfiguration(instanceID: config.instanceID)
    callConfig.defaultTransport = config.transport
    callConfig.maxConcurrentCalls = config.maxConcurrentCalls
    callConfig.allowedDestinations = config.allowedDestinations
    callConfig.outbound = config.outbound
    callConfig.transfer = config.transfer
    callConfig.lines = config.lines
    callConfig.recording = config.recording
    callConfig.conversation = config.conversation
    callConfig.reattach = config.reattachCalls
    callConfig.reconcileInterval = config.reconcileInterval
    callConfig.orphanGrace = config.orphanGrace
    callConfig.mediaOnlyCallNumber = config.media.dialplanNumber
    callConfig.shutdownGrace = config.shutdownGrace
    callConfig.shutdownGoodbye = config.shutdownGoodbye
    var dependencies = CallService.Dependencies(
        telephony: telephony.port, media: media, stt: speech.stt, tts: speech.tts, agent: agent, repository: repository,
        publisher: publisher, directory: directory, clock: clock)
    dependencies.speech = speech.router
    dependencies.registry = storage.registry
    dependencies.mediaCalls = transports.mediaCalls
    dependencies.agents = agents
    if let redis = storage.redis {
        dependencies.idempotency = RedisIdempotencyStore(connection: redis)
        dependencies.claims = RedisChannelClaims(connection: redis)
    }
    let feed = CallFeed()
    dependencies.feed = feed
    let voiceMetrics = VoiceMetrics(factory: metrics)
    voiceMetrics.registerProviders(stt: config.speech.sttProviders, tts: config.speech.ttsProviders)
    let callService = CallService(dependencies: dependencies, configuration: callConfig, metrics: voiceMetrics, logger: logger)

    let apiKeys: APIKeys
    do {
        apiKeys = try await APIKeys.load(hs256Secret: config.apiHS256Secret, publicKeys: config.apiPublicKeys)
    } catch { throw ConfigError(key: error.key, message: error.message) }
    if apiKeys.isEmpty { logger.warning("no API token key configured (http.auth.*): every /v1 request is refused with 503") }
    let authenticator = APIAuthenticator(keys: apiKeys, clock: clock)
    // Each tenant's budget holds across the instances sharing Redis; each instance's own otherwise.
    var limiter: (any RateLimiter)?
    if config.apiRate > 0 {
        let local = InMemoryRateLimiter(rate: config.apiRate, burst: config.apiBurst, clock: clock)
        limiter = storage.redis.map {
            RedisRateLimiter(connection: $0, rate: config.apiRate, burst: config.apiBurst, fallback: local, clock: clock, logger: logger)
        } ?? local
    }
    let operatorAPI = ManagementAPI.Operator(
        authenticator: authenticator, queries: CallQueries(repository: repository), commands: callService, limiter: limiter,
        feed: feed, clock: clock)
    let http = ManagementAPI.makeServer(
        configuration: .init(host: config.httpHost, port: config.httpPort, metricsPublic: config.metricsPublic), dependencies: [callService] + telephony.health + storage.health,
        registry: registry, operator: operatorAPI, logger: logger, onRunning: hooks.onHTTPRunning)

    // Reverse order on shutdown: calls end first (using telephony and the publisher), then the API,
    // then the ARI connection, and the publisher flushes last.
    let group = ServiceGroup(configuration: .init(
        services: [.init(service: EventPublisherService(publisher: publisher))]
            + storage.services.map { .init(service: $0) }
            + transports.services.map { .init(service: $0) }
            + [
            .init(service: telephony.service),
            .init(service: http),
            .init(service: callService),
        ],
        gracefulShutdownSignals: hooks.shutdownSignals,
        cancellationSignals: [],
        logger: logger))
    logger.info("voicegatewayd built", metadata: [
        "instance.id": "\(config.instanceID)", "ari.url": "\(config.ari.url)", "ari.app": "\(config.ari.app)",
        "http": "\(config.httpHost):\(config.httpPort)", "stt": "\(speech.stt.name)", "tts": "\(speech.tts.name)",
        "events.file": "\(config.eventsFile)",
    ])
    let reload = TenantsReload(
        directory: directory, agents: agents, transports: transports.kinds, metrics: lookupMetrics, clock: clock, logger: logger)
    return Daemon(
        group: group, callService: callService, telephony: telephony.port, registry: registry, apiAuthenticator: authenticator, tenants: reload)
}
