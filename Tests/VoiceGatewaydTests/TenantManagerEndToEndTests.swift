import Foundation
import Testing
import TestSupport

@testable import VoiceGatewayd

/// Calls whose tenant the tenant manager decides, through the daemon's composition root against the fake
/// Asterisk and a fake tenant manager: a national number normalised and resolved, a trunk naming the
/// tenant of a number the manager does not know, the tenant's `max_concurrent_calls` from the manager,
/// and the refusals the dialplan sees in `VOICEGW_REFUSED`.
@Suite("Tenant manager end to end", .serialized)
struct TenantManagerEndToEndTests {
    @Test func theManagerDecidesTheTenantItsLimitAndTheRefusals() async throws {
        let manager = try await FakeTenantManager(token: "manager-secret")
        manager.setNumber("+15557654321", tenant: "acme")
        manager.setTrunk("acme-trunk", tenant: "acme")
        manager.setSettings("acme", json: #"{"language": "en-US", "max_concurrent_calls": 1}"#)
        let harness = try await DaemonHarness.start(environment: [
            "VOICEGW_TENANTS_MANAGER_URL": manager.baseURL, "VOICEGW_TENANTS_MANAGER_TOKEN": "manager-secret",
            "VOICEGW_TENANTS_DEFAULT_COUNTRY_CODE": "1",
            // Generous, like the harness's other deadlines: this test is about answers, not about a slow manager.
            "VOICEGW_TENANTS_MANAGER_TIMEOUT_MS": "30000",
        ])
        let fake = harness.fake
        #expect(try await eventually { try await harness.get("/ready").status == 200 }, "ARI never connected")

        // A national number: normalised to +15557654321, which the manager says is acme's.
        let first = fake.placeCall(callerNumber: "+15550001111", extension: "5557654321")
        #expect(await eventually { fake.rtpPeer(bridgedWith: first) != nil }, "the call was not taken: \(fake.continuedChannels)")
        let started = harness.events().first { $0["type"] as? String == "call.started" }
        #expect(started?["tenant_id"] as? String == "acme")

        // A number the manager does not know, from acme's trunk: acme's call, over its limit of 1.
        let second = fake.placeCall(extension: "5550009999", trunk: "acme-trunk")
        #expect(await eventually { fake.continuedChannels[second] != nil }, "requests \(fake.requests.suffix(6))")
        #expect(fake.continuedChannels[second]?["VOICEGW_REFUSED"] == "tenant_capacity")

        // Nobody's number on no trunk: back to the dialplan as unknown.
        let third = fake.placeCall(extension: "5550001234")
        #expect(await eventually { fake.continuedChannels[third] != nil })
        #expect(fake.continuedChannels[third]?["VOICEGW_REFUSED"] == "unknown_number")

        // The manager fails and knows nothing of this number in the cache: the directory is unavailable.
        manager.fail(.status(503))
        let fourth = fake.placeCall(extension: "5550004321")
        #expect(await eventually { fake.continuedChannels[fourth] != nil })
        #expect(fake.continuedChannels[fourth]?["VOICEGW_REFUSED"] == "directory_unavailable")
        // acme's number is still known from the cache (fresh, so not even asked): acme is still at its limit.
        let fifth = fake.placeCall(extension: "5557654321")
        #expect(await eventually { fake.continuedChannels[fifth] != nil })
        #expect(fake.continuedChannels[fifth]?["VOICEGW_REFUSED"] == "tenant_capacity")
        manager.fail(nil)

        #expect(manager.paths == [
            "/api/v1/dids/+15557654321", "/api/v1/tenants/acme/telephony/settings",
            "/api/v1/dids/+15550009999", "/api/v1/trunks/acme-trunk",
            "/api/v1/dids/+15550001234",
            "/api/v1/dids/+15550004321",
        ], "acme's number and settings were asked once")
        #expect(manager.requests.allSatisfy { $0.header("Authorization") == "Bearer manager-secret" })

        let metrics = try await harness.get("/metrics").body
        for line in [
            #"voicegw_tenant_lookups_total{resource="did",result="miss"} 3"#,
            #"voicegw_tenant_lookups_total{resource="did",result="hit"} 1"#,
            #"voicegw_tenant_lookups_total{resource="did",result="error"} 1"#,
            #"voicegw_tenant_lookups_total{resource="trunk",result="miss"} 1"#,
            #"voicegw_tenant_lookups_total{resource="settings",result="miss"} 1"#,
            #"voicegw_tenant_lookups_total{resource="settings",result="hit"} 2"#,
            #"voicegw_calls_rejected_total{reason="tenant_capacity"} 2"#,
            #"voicegw_calls_rejected_total{reason="unknown_number"} 1"#,
            #"voicegw_calls_rejected_total{reason="directory_unavailable"} 1"#,
        ] {
            #expect(metrics.contains(line), "\(line) not in /metrics")
        }

        fake.hangupCaller(first)
        #expect(await eventually { harness.events().contains { $0["type"] as? String == "call.ended" } }, "no call.ended")
        try await harness.stop()
        await manager.close()
    }
}
