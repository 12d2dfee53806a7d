import CallState
import Domain
import TestSupport
import Testing

/// The contract of `ChannelClaims`, over the in-memory and the Redis claims.
@Suite("ChannelClaims contract")
struct ChannelClaimsContractTests {
    static let stores: [@Sendable () -> any ChannelClaims] = {
        var makers: [@Sendable () -> any ChannelClaims] = [{ InMemoryChannelClaims() }]
        if SharedRedis.server != nil {
            makers.append { RedisChannelClaims(connection: SharedRedis.freshRepository().sharedConnection) }
        }
        return makers
    }()

    @Test(arguments: stores)
    func theFirstClaimWinsAndItsHolderMayClaimAgain(make: @Sendable () -> any ChannelClaims) async throws {
        let claims = make()
        let channel = ChannelID("1795340170.\(Int.random(in: 1...1_000_000_000))")
        #expect(try await claims.claim(channel, for: "node-a"))
        #expect(try await !claims.claim(channel, for: "node-b"))
        // A repeated event for the same channel on the holder.
        #expect(try await claims.claim(channel, for: "node-a"))
        #expect(try await claims.claim(ChannelID(channel.rawValue + "0"), for: "node-b"))
    }

    @Test(arguments: stores)
    func ofManyInstancesRacingForOneChannelExactlyOneWins(make: @Sendable () -> any ChannelClaims) async throws {
        let claims = make()
        let channel = ChannelID("1795340171.\(Int.random(in: 1...1_000_000_000))")
        let winners = await withTaskGroup(of: Bool.self) { group in
            for node in 0..<16 { group.addTask { (try? await claims.claim(channel, for: InstanceID("node-\(node)"))) ?? false } }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(winners == 1)
    }
}
