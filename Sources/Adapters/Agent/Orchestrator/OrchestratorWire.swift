import Domain

/// The agent orchestrator's JSON (docs/agent-orchestrator.md).
enum OrchestratorWire {
    /// `POST /api/v1/conversations`.
    struct CreateConversation: Encodable, Sendable {
        var conversationID: String
        var tenantID: String
        var callID: String
        var agentID: String?
        var channel = "voice"
        var callerNumber: String
        var calleeNumber: String
        var language: String
        /// The operator's values for an outbound call; absent when none.
        var variables: [String: String]?

        enum CodingKeys: String, CodingKey {
            case channel, language, variables
            case conversationID = "conversation_id"
            case tenantID = "tenant_id"
            case callID = "call_id"
            case agentID = "agent_id"
            case callerNumber = "caller_number"
            case calleeNumber = "callee_number"
        }
    }

    struct Conversation: Decodable, Sendable {
        var id: String
        var greeting: String?
        var actions: [Action]?
        var expectedPhrases: [String]?

        enum CodingKeys: String, CodingKey {
            case id, greeting, actions
            case expectedPhrases = "expected_phrases"
        }
    }

    /// `POST /api/v1/conversations/{id}/turns`.
    struct Turn: Encodable, Sendable {
        var turnID: String
        var input: Input
        /// What the caller heard of the previous reply (all of it unless a barge-in cut it).
        var heard: String?

        enum CodingKeys: String, CodingKey {
            case input, heard
            case turnID = "turn_id"
        }
    }

    struct Input: Encodable, Sendable {
        var type: String
        var text: String?
        var confidence: Double?
        var digits: String?

        init(_ input: AgentInput) {
            switch input {
            case .utterance(let text, let confidence): (type, self.text, self.confidence) = ("utterance", text, confidence)
            case .digits(let digits): (type, self.digits) = ("digits", digits)
            case .noInput: type = "no_input"
            }
        }
    }

    /// A whole (non-streamed) reply.
    struct Reply: Decodable, Sendable {
        var actions: [Action]
    }

    /// One thing the agent wants done.
    struct Action: Codable, Sendable, Hashable {
        var type: String
        var text: String?
        var target: String?
        var reason: String?
        var max: Int?
        var terminator: String?
        var prompt: String?
    }

    /// `GET /api/v1/conversations/{id}/agent`.
    struct AgentInfo: Decodable, Sendable, Hashable {
        var id: String
        var name: String?
        var language: String?
        var voice: String?
    }

    /// `POST /api/v1/conversations/{id}/transfer`.
    struct TransferRequest: Encodable, Sendable {
        var target: String
        var reason: String
    }

    struct TransferDecision: Decodable, Sendable {
        var target: String
    }
}
