import Domain
import Foundation

/// Ids of what the daemon creates on Asterisk: they tell its own media channels and bridges apart
/// from everything else on a shared server.
enum DaemonResourceIDs {
    static let mediaChannelPrefix = "voicegw-m-"
    static let bridgePrefix = "voicegw-b-"
}

extension ARITelephony {
    /// `GET /channels` (every channel), `GET /applications/{app}` (which of them are in the app) and
    /// `GET /bridges` (the daemon's bridges, by id prefix). ASTERISK.md: after a drop, channels stay
    /// in Stasis and REST keeps working, so this is how a reconnecting daemon learns what changed.
    public func inventory() async throws(ProviderError) -> TelephonyInventory {
        let channels: [ARIChannel] = try await fetch("channels")
        let application: ARIApplication = try await fetch("applications/\(configuration.app)")
        let bridges: [ARIBridge] = try await fetch("bridges")
        let inApp = Set(application.channel_ids)
        let snapshots = channels.compactMap { channel -> ChannelSnapshot? in
            let isMedia = channel.id.hasPrefix(DaemonResourceIDs.mediaChannelPrefix)
            guard inApp.contains(channel.id) || isMedia else { return nil }
            return ChannelSnapshot(
                id: ChannelID(channel.id), name: channel.name, state: channel.state, inApplication: inApp.contains(channel.id),
                isDaemonMedia: isMedia, createdAt: channel.creationtime.flatMap { Timestamp(rfc3339: $0) })
        }
        let ours = bridges.filter { $0.id.hasPrefix(DaemonResourceIDs.bridgePrefix) }.map {
            BridgeSnapshot(id: BridgeID($0.id), channels: $0.channels.map { ChannelID($0) }, createdAt: $0.creationtime.flatMap { Timestamp(rfc3339: $0) })
        }
        return TelephonyInventory(channels: snapshots, bridges: ours)
    }

    public func deleteBridge(_ bridge: BridgeID) async throws(ProviderError) {
        let response = try await rest.send(.DELETE, "bridges/\(bridge)")
        if response.status == 404 { return }  // already gone
        try ARIRESTClient.check(response, "DELETE bridges/\(bridge)")
    }

    private func fetch<T: Decodable>(_ path: String) async throws(ProviderError) -> T {
        let response = try await rest.expectSuccess(.GET, path)
        do { return try JSONDecoder().decode(T.self, from: response.body) } catch {
            throw ProviderError(.badResponse, provider: "ari", "GET \(path): unexpected body: \(error)")
        }
    }
}
