import Directory
import Domain
import Testing

@Suite("Tenant table")
struct TenantTableTests {
    @Test func routesDIDsAndFallsBackToTheDefault() async throws {
        let table = try TenantTable.parse(yaml: """
            default_tenant: acme
            tenants:
              - id: acme
                language: en-GB
                stt: [pocketsphinx]
                tts: [espeak]
                dids: ["100"]
              - id: globex
                transport: rtp
                max_concurrent_calls: 5
                allowed_destinations: ["+1555*", "+442071234567"]
                dial_template: "PJSIP/{to_digits}@globex-trunk"
                dids: ["+15551234567", 200]
            """)
        let directory = StaticTenantDirectory(table: table)
        #expect(try await directory.tenant(forDialled: "100", trunk: nil).language == "en-GB")
        #expect(try await directory.tenant(forDialled: "200", trunk: nil).id == "globex")
        #expect(try await directory.tenant(forDialled: "+15551234567", trunk: nil).maxConcurrentCalls == 5)
        #expect(try await directory.tenant(forDialled: "999", trunk: nil).id == "acme")
        #expect(try await directory.settings(for: "globex").transport == .rtp)
        #expect(try await directory.settings(for: "globex").allowedDestinations?.patterns == ["+1555*", "+442071234567"])
        #expect(try await directory.settings(for: "acme").allowedDestinations == nil, "the daemon's list")
        #expect(try await directory.settings(for: "globex").dialTemplate?.endpoint(for: PhoneNumber("+15557654321")) == "PJSIP/15557654321@globex-trunk")
        #expect(try await directory.settings(for: "acme").dialTemplate == nil, "the daemon's template")
    }

    @Test func numbersAreNormalisedInTheTableAndBeforeALookup() async throws {
        let table = try TenantTable.parse(yaml: """
            tenants:
              - id: acme
                dids: ["+1 (555) 123-4567", "020 7946 0018", 100]
            """, numbers: DialledNumberNormaliser(defaultCountryCode: "44"))
        #expect(Set(table.didOwners.keys) == ["+15551234567", "+442079460018", "100"])
        let directory = StaticTenantDirectory(table: table)
        for dialled in ["+15551234567", "0015551234567", "+44 20 7946 0018", "02079460018", "2079460018", "100"] {
            #expect(try await directory.tenant(forDialled: dialled, trunk: nil).id == "acme", "\(dialled)")
        }
        await #expect(throws: ProviderError.self) { try await directory.tenant(forDialled: "1000", trunk: nil) }
    }

    @Test func twoSpellingsOfOneNumberAreOneDID() {
        #expect(throws: TenantTable.Invalid.self) {
            try TenantTable.parse(yaml: "tenants: [{id: a, dids: ['+15551234567']}, {id: b, dids: ['001 555 123 4567']}]")
        }
    }

    @Test func unknownNumberWithoutDefaultIsRefused() async throws {
        let directory = StaticTenantDirectory(table: try TenantTable.parse(yaml: "tenants: [{id: a, dids: ['1']}]"))
        await #expect(throws: ProviderError.self) { try await directory.tenant(forDialled: "2", trunk: nil) }
    }

    @Test(arguments: [
        ("tenants: 3", "tenants"),
        ("tenants: [{language: en}]", "tenants[0].id"),
        ("tenants: [{id: a, transport: sip}]", "tenants[0].transport"),
        ("tenants: [{id: a, dids: ['1']}, {id: b, dids: ['1']}]", "tenants[1].dids"),
        ("default_tenant: z\ntenants: [{id: a}]", "default_tenant"),
        ("tenants: [{id: a, max_concurrent_calls: -1}]", "tenants[0].max_concurrent_calls"),
        ("tenants: [{id: a, allowed_destinations: ['1555*']}]", "tenants[0].allowed_destinations"),
        ("tenants: [{id: a, allowed_destinations: '+1555*'}]", "tenants[0].allowed_destinations"),
        ("tenants: [{id: a, dial_template: 'PJSIP/trunk'}]", "tenants[0].dial_template"),
        ("tenants: [{id: a, dial_template: 'PJSIP/{to}@trunk&app=evil'}]", "tenants[0].dial_template"),
    ])
    func badTablesNameTheKey(yaml: String, key: String) {
        do {
            _ = try TenantTable.parse(yaml: yaml)
            Issue.record("expected an error for \(key)")
        } catch {
            #expect(error.key == key)
        }
    }
}
