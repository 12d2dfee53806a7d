import Domain

/// The JSON bodies of the tenant manager's answers (docs/tenant-manager.md). Unknown fields are ignored
/// (they are for newer clients); a field of the wrong type, or a value the daemon cannot use, makes
/// the whole answer `bad_response`.
enum TenantManagerWire {
    /// `GET /api/v1/dids/{did}`: who owns a dialled number.
    struct DID: Decodable, Sendable {
        var tenantID: String

        enum CodingKeys: String, CodingKey {
            case tenantID = "tenant_id"
        }
    }

    /// `GET /api/v1/trunks/{trunk_id}`: who owns a SIP trunk.
    struct Trunk: Decodable, Sendable {
        var tenantID: String

        enum CodingKeys: String, CodingKey {
            case tenantID = "tenant_id"
        }
    }

    /// `GET /api/v1/tenants/{id}/telephony/settings`: the keys of a tenant in `tenants.file`, minus `dids`
    /// and `agent` (a tenant's own agent is built at start, from the file only).
    struct Settings: Decodable, Sendable {
        var language: String?
        var stt: [String]?
        var tts: [String]?
        var voice: String?
        var agentID: String?
        var transport: String?
        var maxConcurrentCalls: Int?
        var allowedDestinations: [String]?
        var dialTemplate: String?

        enum CodingKeys: String, CodingKey {
            case language, stt, tts, voice, transport
            case agentID = "agent_id"
            case maxConcurrentCalls = "max_concurrent_calls"
            case allowedDestinations = "allowed_destinations"
            case dialTemplate = "dial_template"
        }

        /// The settings of tenant `id` (the path's id wins over any id in the body). A transport this
        /// daemon has no engine for (`available`) is dropped for the daemon's default, with a warning
        /// through `skipped`, rather than failing every call of the tenant.
        func settings(
            for id: TenantID, available: Set<MediaTransportKind>, provider: String, skipped: (String) -> Void
        ) throws(ProviderError) -> TenantSettings {
            func invalid(_ field: String, _ message: String) -> ProviderError {
                ProviderError(.badResponse, provider: provider, "tenant \(id) settings: \(field): \(message)")
            }
            var settings = TenantSettings(id: id)
            if let language, !language.isEmpty { settings.language = language }
            settings.sttProviders = stt ?? []
            settings.ttsProviders = tts ?? []
            settings.voice = voice.flatMap { $0.isEmpty ? nil : $0 }
            settings.agentID = agentID.flatMap { $0.isEmpty ? nil : $0 }
            if let transport {
                guard let kind = MediaTransportKind(rawValue: transport) else {
                    throw invalid("transport", "one of rtp, audiosocket, websocket (got '\(transport)')")
                }
                if available.contains(kind) { settings.transport = kind } else { skipped("transport \(transport) is not configured here") }
            }
            if let maxConcurrentCalls {
                // As in tenants.file: a positive limit, or null / no field for none.
                guard maxConcurrentCalls > 0 else { throw invalid("max_concurrent_calls", "a positive integer or null (got \(maxConcurrentCalls))") }
                settings.maxConcurrentCalls = maxConcurrentCalls
            }
            if let allowedDestinations {
                do { settings.allowedDestinations = try DestinationPolicy(patterns: allowedDestinations) } catch {
                    throw invalid("allowed_destinations", error.description)
                }
            }
            if let dialTemplate {
                do { settings.dialTemplate = try DialTemplate(dialTemplate) } catch { throw invalid("dial_template", error.description) }
            }
            return settings
        }
    }
}
