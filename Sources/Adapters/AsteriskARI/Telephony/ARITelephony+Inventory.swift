import Domain
import Foundation

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
            // A channel in another instance's application may be a dead instance's call to take over.
            let inStasis = inApp.contains(channel.id) || channel.dialplan?.app_name == "Stasis"
            guard inStasis || isMedia else { return nil }
            return ChannelSnapshot(
                id: ChannelID(channel.id), name: channel.name, state: channel.state, inApplication: inApp.contains(channel.id),
                isDaemonMedia: isMedia, createdAt: channel.creationtime.flatMap { Timestamp(rfc3339: $0) },
                owner: isMedia ? DaemonResourceIDs.owner(of: channel.id) : nil, inStasis: inStasis)
        }
        let ours = bridges.filter { $0.id.hasPrefix(DaemonResourceIDs.bridgePrefix) }.map {
            BridgeSnapshot(
                id: BridgeID($0.id), channels: $0.channels.map { ChannelID($0) }, createdAt: $0.creationtime.flatMap { Timestamp(rfc3339: $0) },
                owner: DaemonResourceIDs.owner(of: $0.id))
        }
        return TelephonyInventory(channels: snapshots, bridges: ours)
    }

    public func deleteBridge(_ bridge: BridgeID) async throws(ProviderError) {
        let response = try await rest.send(.DELETE, "bridges/\(bridge)")
        if response.status == 404 { return }  // already gone
        try ARIRESTClient.check(response, "DELETE bridges/\(bridge)")
    }

    public func adopt(_ channel: ChannelID) async throws(ProviderError) {
        let response = try await rest.send(.POST, "channels/\(channel)/move", query: [("app", configuration.app), ("appArgs", "takeover")])
        if response.status == 404 || response.status == 409 {
            throw ProviderError(.badRequest, provider: "ari", "channel \(channel) is gone or in no application (\(response.status))")
        }
        try ARIRESTClient.check(response, "POST channels/\(channel)/move")
    }

    private func fetch<T: Decodable>(_ path: String) async throws(ProviderError) -> T {
        let response = try await rest.expectSuccess(.GET, path)
        do { return try JSONDecoder().decode(T.self, from: response.body) } catch {
            throw ProviderError(.badResponse, provider: "ari", "GET \(path): unexpected body: \(error)")
        }
    }
}
