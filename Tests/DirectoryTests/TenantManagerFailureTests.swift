import Directory
import Domain
import Testing
import TestSupport

/// When the tenant manager fails: the last answer even if expired (stale-while-error), else the tenants
/// file, else an error that is not `bad_request` (the call goes back to the dialplan as
/// `directory_unavailable`). Deterministic: time is a test clock, the failures are the fake's.
@Suite("Tenant manager failures")
struct TenantManagerFailureTests {
    /// A table with acme-from-the-file owning +15551234567.
    static let table: TenantTable = try! TenantTable.parse(yaml: """
        tenants:
          - id: acme
            language: fr-FR
            dids: ["+1 555 123 4567"]
        """)

    /// Fills the cache with acme, then lets it expire.
    static func expiredAcme(_ world: ManagerWorld) async throws {
        world.addAcme()
        #expect(try await world.directory.tenant(forDialled: "+15551234567", trunk: nil).id == "acme")
        world.clock.advance(by: ManagerWorld.ttl)
    }

    @Test(arguments: [500, 502, 503, 504, 429])
    func aFailingManagerServesTheLastAnswerEvenExpired(status: Int) async throws {
        let world = try await ManagerWorld()
        try await Self.expiredAcme(world)
        world.manager.fail(.status(status))
        let tenant = try await world.directory.tenant(forDialled: "+15551234567", trunk: nil)
        #expect(tenant.language == "en-GB", "the manager's last answer, not the table's")
        #expect(world.counts["did.stale"] == 1 && world.counts["settings.stale"] == 1)
        #expect(world.manager.requests.count == 4, "the manager was asked again (and failed) before the stale answer was used")

        // Back up: the next lookup (the entry is still expired) asks and refreshes it.
        world.manager.fail(nil)
        #expect(try await world.directory.tenant(forDialled: "+15551234567", trunk: nil).id == "acme")
        #expect(world.counts["did.miss"] == 2)
        try await world.close()
    }

    @Test func aManagerThatIsGoneServesTheLastAnswer() async throws {
        let world = try await ManagerWorld()
        try await Self.expiredAcme(world)
        await world.manager.close()  // connections refused from now on
        #expect(try await world.directory.tenant(forDialled: "+15551234567", trunk: nil).id == "acme")
        #expect(world.counts["did.stale"] == 1 && world.counts["settings.stale"] == 1)
        try await world.close()
    }

    @Test func aManagerTooSlowServesTheLastAnswerAtTheDeadline() async throws {
        let world = try await ManagerWorld()
        try await Self.expiredAcme(world)
        world.manager.fail(.slowBody(after: .seconds(600)))
        let directory = world.directory
        let lookup = Task { try await directory.tenant(forDialled: "+15551234567", trunk: nil) }
        // The answer's head came; its body is awaited on the test clock until the deadline.
        #expect(await world.clock.waitForSleepers(1), "the lookup never waited for the body")
        world.clock.advance(by: ManagerWorld.timeout)
        #expect(await world.clock.waitForSleepers(1), "the settings lookup never waited for the body")
        world.clock.advance(by: ManagerWorld.timeout)
        #expect(try await lookup.value.id == "acme")
        #expect(world.counts["did.stale"] == 1 && world.counts["settings.stale"] == 1)
        try await world.close()
    }

    @Test func anExpiredNotFoundIsServedToo() async throws {
        let world = try await ManagerWorld()
        await #expect(throws: ProviderError.self) { try await world.directory.tenant(forDialled: "+15550000000", trunk: nil) }
        world.clock.advance(by: ManagerWorld.negativeTTL)
        world.manager.fail(.status(503))
        let error = await #expect(throws: ProviderError.self) { try await world.directory.tenant(forDialled: "+15550000000", trunk: nil) }
        #expect(error?.kind == .badRequest, "still unknown_number, not directory_unavailable")
        #expect(world.counts["did.stale"] == 1)
        try await world.close()
    }

    @Test func withNothingCachedTheTenantsFileAnswers() async throws {
        let world = try await ManagerWorld(fallback: Self.table)
        world.manager.fail(.status(503))
        let tenant = try await world.directory.tenant(forDialled: "+15551234567", trunk: nil)
        #expect(tenant.id == "acme")
        #expect(tenant.language == "fr-FR", "the table's settings")
        #expect(try await world.directory.settings(for: "acme").language == "fr-FR")
        #expect(world.counts.nonZero == ["did.fallback": 1, "settings.fallback": 1])
        // The table does not know this number either: the manager's failure stands.
        let error = await #expect(throws: ProviderError.self) { try await world.directory.tenant(forDialled: "+15557777777", trunk: nil) }
        #expect(error?.kind == .server, "directory_unavailable, not unknown_number: the manager may know it")
        #expect(world.counts["did.error"] == 1)
        try await world.close()
    }

    @Test func aKnownNumberWhoseSettingsFailUsesTheTablesSettings() async throws {
        let world = try await ManagerWorld(fallback: Self.table)
        world.manager.setNumber("+15551234567", tenant: "acme")
        world.manager.setSettings("acme", json: "{not json")
        let tenant = try await world.directory.tenant(forDialled: "+15551234567", trunk: nil)
        #expect(tenant.language == "fr-FR")
        #expect(world.counts.nonZero == ["did.miss": 1, "settings.fallback": 1])
        try await world.close()
    }

    @Test func withNothingCachedAndNoFallbackTheLookupFails() async throws {
        let world = try await ManagerWorld()
        world.manager.fail(.status(503))
        let error = await #expect(throws: ProviderError.self) { try await world.directory.tenant(forDialled: "+15551234567", trunk: nil) }
        #expect(error?.kind == .server)
        #expect(world.counts.nonZero == ["did.error": 1])
        try await world.close()
    }

    @Test(arguments: [
        ("{not json", "application/json"),
        (#"{"max_concurrent_calls": "ten"}"#, "application/json"),
        (#"{"max_concurrent_calls": 0}"#, "application/json"),
        (#"{"transport": "sip"}"#, "application/json"),
        (#"{"allowed_destinations": ["1555*"]}"#, "application/json"),
        (#"{"dial_template": "PJSIP/trunk"}"#, "application/json"),
        (#"{"stt": "deepgram"}"#, "application/json"),
        ("[]", "application/json"),
        (#"{"language": "en-US"}"#, "text/html"),
    ])
    func aBadAnswerIsAFailure(body: String, contentType: String) async throws {
        let world = try await ManagerWorld()
        world.manager.setSettings("acme", json: body)
        world.manager.setContentType(contentType)
        let error = await #expect(throws: ProviderError.self) { try await world.directory.settings(for: "acme") }
        #expect(error?.kind == .badResponse)
        #expect(world.counts.nonZero == ["settings.error": 1])
        try await world.close()
    }

    @Test func aBadAnswerLeavesTheLastGoodOneInService() async throws {
        let world = try await ManagerWorld()
        try await Self.expiredAcme(world)
        world.manager.setSettings("acme", json: #"{"language": 42}"#)
        #expect(try await world.directory.tenant(forDialled: "+15551234567", trunk: nil).language == "en-GB")
        #expect(world.counts["did.miss"] == 2 && world.counts["settings.stale"] == 1)
        try await world.close()
    }

    @Test func aRefusedTokenIsAFailureNotAnUnknownNumber() async throws {
        let world = try await ManagerWorld(token: "secret", sentToken: "stolen")
        world.addAcme()
        let error = await #expect(throws: ProviderError.self) { try await world.directory.tenant(forDialled: "+15551234567", trunk: nil) }
        #expect(error?.kind == .auth)
        #expect(world.manager.requests.first?.header("Authorization") == "Bearer stolen")
        try await world.close()
    }
}
