import Directory
import Domain
import Testing
import TestSupport

/// The tenant manager client and its cache against a fake manager over real HTTP, on a test clock:
/// what is asked, what is remembered and for how long.
@Suite("Tenant manager directory")
struct TenantManagerDirectoryTests {
    @Test func aNumberIsAskedOnceThenServedFromTheCache() async throws {
        let world = try await ManagerWorld()
        world.addAcme()
        let tenant = try await world.directory.tenant(forDialled: "+1 (555) 123-4567", trunk: nil)
        #expect(tenant.id == "acme")
        #expect(tenant.language == "en-GB")
        #expect(tenant.sttProviders == ["deepgram", "pocketsphinx"])
        #expect(tenant.ttsProviders == ["espeak"])
        #expect(tenant.voice == "en-gb")
        #expect(tenant.agentID == "support-bot")
        #expect(tenant.transport == .websocket)
        #expect(tenant.maxConcurrentCalls == 2)
        #expect(tenant.allowedDestinations?.patterns == ["+44*"])
        #expect(tenant.dialTemplate?.endpoint(for: try PhoneNumber("+442079460018")) == "PJSIP/+442079460018@acme-trunk")
        #expect(tenant.agent == nil, "a tenant's own agent comes from tenants.file only")
        #expect(world.manager.paths == ["/api/v1/dids/+15551234567", "/api/v1/tenants/acme/telephony/settings"])
        for request in world.manager.requests {
            #expect(request.method == "GET")
            #expect(request.header("Authorization") == "Bearer secret")
            #expect(request.header("Accept") == "application/json")
        }

        // The same number spelt otherwise, within the TTL: nothing asked.
        #expect(try await world.directory.tenant(forDialled: "0015551234567", trunk: nil).id == "acme")
        #expect(world.manager.requests.count == 2)
        #expect(world.counts.nonZero == ["did.miss": 1, "settings.miss": 1, "did.hit": 1, "settings.hit": 1])
        try await world.close()
    }

    @Test func anAnswerIsUsedForItsTTLThenAskedForAgain() async throws {
        let world = try await ManagerWorld()
        world.addAcme()
        #expect(try await world.directory.tenant(forDialled: "+15551234567", trunk: nil).id == "acme")
        // The number moves to another tenant: the cached answer holds until it expires.
        world.manager.setNumber("+15551234567", tenant: "globex")
        world.manager.setSettings("globex", json: #"{"language": "de-DE"}"#)
        world.clock.advance(by: ManagerWorld.ttl - .seconds(1))
        #expect(try await world.directory.tenant(forDialled: "+15551234567", trunk: nil).id == "acme")
        #expect(world.manager.requests.count == 2)
        world.clock.advance(by: .seconds(1))
        let moved = try await world.directory.tenant(forDialled: "+15551234567", trunk: nil)
        #expect(moved.id == "globex")
        #expect(moved.language == "de-DE")
        #expect(moved.maxConcurrentCalls == nil && moved.transport == nil && moved.sttProviders.isEmpty, "absent fields: the daemon's")
        #expect(world.manager.paths.suffix(2) == ["/api/v1/dids/+15551234567", "/api/v1/tenants/globex/telephony/settings"])
        try await world.close()
    }

    @Test func nationalNumbersTakeTheDefaultCountryCode() async throws {
        let world = try await ManagerWorld(countryCode: "1")
        world.addAcme()
        #expect(try await world.directory.tenant(forDialled: "(555) 123-4567", trunk: nil).id == "acme")
        #expect(try await world.directory.tenant(forDialled: "1-555-123-4567", trunk: nil).id == "acme")
        #expect(world.manager.paths.first == "/api/v1/dids/+15551234567")
        #expect(world.manager.requests.count == 2, "both spellings are one cache entry")
        try await world.close()
    }

    @Test func aNumberNobodyOwnsIsUnknownAndBelievedForTheShorterTTL() async throws {
        let world = try await ManagerWorld()
        for _ in 0..<2 {
            let error = await #expect(throws: ProviderError.self) { try await world.directory.tenant(forDialled: "+15550000000", trunk: nil) }
            #expect(error?.kind == .badRequest, "unknown_number")
        }
        #expect(world.manager.paths == ["/api/v1/dids/+15550000000"], "the 404 was cached")
        #expect(world.counts.nonZero == ["did.miss": 1, "did.hit": 1])

        // The number is given to a tenant: seen once the not-found expires, well before an answer would.
        world.addAcme()
        world.manager.setNumber("+15550000000", tenant: "acme")
        world.clock.advance(by: ManagerWorld.negativeTTL)
        #expect(try await world.directory.tenant(forDialled: "+15550000000", trunk: nil).id == "acme")
        try await world.close()
    }

    @Test func theTrunkNamesTheTenantOfANumberNobodyOwns() async throws {
        let world = try await ManagerWorld()
        world.addAcme()
        world.manager.setTrunk("acme-trunk", tenant: "acme")
        #expect(try await world.directory.tenant(forDialled: "+15559999999", trunk: "acme-trunk").id == "acme")
        #expect(world.manager.paths == [
            "/api/v1/dids/+15559999999", "/api/v1/trunks/acme-trunk", "/api/v1/tenants/acme/telephony/settings",
        ])
        // A number the manager knows is its owner's, whatever the trunk: the trunk is not asked.
        #expect(try await world.directory.tenant(forDialled: "+15551234567", trunk: "other-trunk").id == "acme")
        #expect(!world.manager.paths.contains("/api/v1/trunks/other-trunk"))
        // Neither the number nor the trunk is known.
        let error = await #expect(throws: ProviderError.self) { try await world.directory.tenant(forDialled: "+15559999999", trunk: "stray") }
        #expect(error?.kind == .badRequest)
        #expect(world.counts["trunk.miss"] == 2)
        try await world.close()
    }

    @Test func settingsAreCachedAndAnUnknownTenantIsABadRequest() async throws {
        let world = try await ManagerWorld()
        world.addAcme()
        #expect(try await world.directory.settings(for: "acme").language == "en-GB")
        #expect(try await world.directory.settings(for: "acme").language == "en-GB")
        #expect(world.manager.requests.count == 1)
        let error = await #expect(throws: ProviderError.self) { try await world.directory.settings(for: "nobody") }
        #expect(error?.kind == .badRequest)
        // A number whose owner has no telephony settings is not a number the daemon serves.
        world.manager.setNumber("+15552222222", tenant: "nobody")
        let unknown = await #expect(throws: ProviderError.self) { try await world.directory.tenant(forDialled: "+15552222222", trunk: nil) }
        #expect(unknown?.kind == .badRequest)
        #expect(world.counts["settings.hit"] == 2, "acme once, then the cached not-found of nobody")
        try await world.close()
    }

    @Test func aTransportWithoutAnEngineHereFallsBackToTheDefault() async throws {
        let world = try await ManagerWorld(transports: [.rtp])
        world.addAcme()  // acme wants websocket
        let tenant = try await world.directory.tenant(forDialled: "+15551234567", trunk: nil)
        #expect(tenant.transport == nil)
        #expect(tenant.language == "en-GB", "the rest of its settings stand")
        try await world.close()
    }

    @Test func withoutATokenNoAuthorizationIsSent() async throws {
        let world = try await ManagerWorld(token: nil)
        world.addAcme()
        #expect(try await world.directory.tenant(forDialled: "+15551234567", trunk: nil).id == "acme")
        #expect(world.manager.requests.allSatisfy { $0.header("Authorization") == nil })
        try await world.close()
    }

    @Test func identifiersAreOnePathSegment() async throws {
        let world = try await ManagerWorld()
        world.manager.setTrunk("a/b?c", tenant: "we/ird")
        world.manager.setSettings("we/ird", json: "{}")
        #expect(try await world.directory.tenant(forDialled: "1000", trunk: "a/b?c").id == "we/ird")
        #expect(world.manager.requests.map(\.uri) == [
            "/api/v1/dids/1000", "/api/v1/trunks/a%2Fb%3Fc", "/api/v1/tenants/we%2Fird/telephony/settings",
        ])
        try await world.close()
    }
}
