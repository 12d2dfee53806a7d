import Domain

/// The media engine the call service sees: dispatches each session to the engine of its transport, so
/// the transport can be chosen per call (tenant setting) without the application knowing.
public struct MediaEngines: MediaEngine {
    private let engines: [MediaTransportKind: any MediaEngine]

    /// `engines` maps each configured transport to its engine; a transport without one is refused.
    public init(_ engines: [MediaTransportKind: any MediaEngine]) {
        self.engines = engines
    }

    /// Throws `badRequest` for a transport without an engine.
    public func openSession(for call: CallID, transport: MediaTransportKind) async throws(ProviderError) -> any MediaSession {
        guard let engine = engines[transport] else {
            throw ProviderError(.badRequest, provider: "media", "media transport \(transport.rawValue) is not configured")
        }
        return try await engine.openSession(for: call, transport: transport)
    }
}
