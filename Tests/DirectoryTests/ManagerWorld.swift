import AdapterSupport
import AsyncHTTPClient
import Directory
import Domain
import Logging
import TestSupport

/// A `TenantManagerDirectory` against a fake tenant manager on loopback, on a test clock, with its
/// lookups counted.
struct ManagerWorld {
    static let ttl = Duration.seconds(300)
    static let negativeTTL = Duration.seconds(30)
    /// The body's deadline runs on the test clock; the head's is real time, and generous: the whole suite
    /// runs side by side on a loaded machine, and these tests are not about the head's deadline.
    static let timeout = Duration.seconds(60)

    /// One connection per request, and a refused connection is not retried, so a closed manager fails at
    /// once (a pooled connection would outlive the fake's listening socket). Shared and never shut down,
    /// like `HTTPClient.shared`: a test that throws midway cannot leave a client to crash in its deinit.
    static let http: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.maximumUsesPerConnection = 1
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// acme's settings as the manager serves them.
    static let acmeSettings = """
        {"tenant_id": "acme", "language": "en-GB", "stt": ["deepgram", "pocketsphinx"], "tts": ["espeak"], "voice": "en-gb",
         "agent_id": "support-bot", "transport": "websocket", "max_concurrent_calls": 2, "allowed_destinations": ["+44*"],
         "dial_template": "PJSIP/{to}@acme-trunk", "billing_plan": "gold", "agent": {"kind": "openai"}}
        """

    let manager: FakeTenantManager
    let clock = TestClock()
    let counts = LookupCounts()
    let directory: TenantManagerDirectory

    /// A manager that wants `token`; the directory sends `sentToken` (by default the same).
    init(
        token: String? = "secret", sentToken: String? = nil, fallback: TenantTable? = nil, countryCode: String? = nil,
        transports: Set<MediaTransportKind> = Set(MediaTransportKind.allCases)
    ) async throws {
        manager = try await FakeTenantManager(token: token)
        var logger = Logger(label: "tenant-manager-test")
        logger.logLevel = .critical
        let client = TenantManagerClient(
            settings: HTTPProviderSettings(baseURL: manager.baseURL, apiKey: sentToken ?? token ?? "", timeout: Self.timeout),
            client: Self.http, clock: clock, logger: logger)
        directory = TenantManagerDirectory(
            client: client, fallback: fallback.map { StaticTenantDirectory(table: $0) },
            configuration: .init(
                ttl: Self.ttl, negativeTTL: Self.negativeTTL, numbers: try DialledNumberNormaliser(defaultCountryCode: countryCode),
                transports: transports),
            clock: clock, metrics: TenantLookupMetrics(factory: counts), logger: logger)
    }

    /// acme owns +15551234567 and has `acmeSettings`.
    func addAcme() {
        manager.setNumber("+15551234567", tenant: "acme")
        manager.setSettings("acme", json: Self.acmeSettings)
    }

    func close() async throws {
        await manager.close()
    }
}
