import AdapterSupport
import AsyncHTTPClient
import Domain
import Foundation
import Logging
import Synchronization

/// The platform's agent orchestrator as the agent (docs/agent-orchestrator.md): one orchestrator
/// conversation per call, one turn per caller turn, the reply streamed as server-sent events (or whole
/// as JSON) and spoken sentence by sentence.
public struct OrchestratorAgent: Agent {
    /// Where the orchestrator is: `base_url`, bearer `token`, deadline of each request, and the agent
    /// to ask for when the call's tenant names none (`agent_id`; nil: the orchestrator's default).
    public struct Configuration: Sendable, Hashable {
        public var http: HTTPProviderSettings
        public var agentID: String?
        public init(http: HTTPProviderSettings, agentID: String? = nil) {
            self.http = http
            self.agentID = agentID
        }
    }

    public let name: String
    /// What the agent was built with.
    public let configuration: Configuration
    let client: OrchestratorClient
    var agentID: String? { configuration.agentID }

    public init(name: String = "orchestrator", configuration: Configuration, client: HTTPClient = .vendors, logger: Logger) {
        self.name = name
        self.configuration = configuration
        self.client = OrchestratorClient(
            settings: configuration.http, http: VendorHTTP(client: client, provider: name, timeout: configuration.http.timeout, logger: logger))
    }

    public func startConversation(_ context: AgentContext) async throws(ProviderError) -> any AgentConversation {
        let created = try await client.createConversation(OrchestratorWire.CreateConversation(
            conversationID: context.conversationID.rawValue, tenantID: context.tenantID.rawValue, callID: context.callID.rawValue,
            agentID: context.agentID ?? agentID, callerNumber: context.callerNumber, calleeNumber: context.calleeNumber, language: context.language,
            variables: context.variables.isEmpty ? nil : context.variables))
        return OrchestratorConversation(client: client, conversation: created)
    }
}

/// One call's orchestrator conversation.
final class OrchestratorConversation: AgentConversation {
    private let client: OrchestratorClient
    private let conversation: OrchestratorWire.Conversation
    private let heardSoFar = HeardBuffer()

    init(client: OrchestratorClient, conversation: OrchestratorWire.Conversation) {
        self.client = client
        self.conversation = conversation
    }

    var expectedPhrases: [String] { conversation.expectedPhrases ?? [] }

    func opening() async throws(ProviderError) -> [AgentAction] {
        var actions: [AgentAction] = conversation.greeting.map { [.say($0)] } ?? []
        for action in conversation.actions ?? [] { actions += client.actions(for: action) }
        return actions
    }

    func heard(_ text: String) { heardSoFar.append(text) }

    func respond(to input: AgentInput) -> AsyncThrowingStream<AgentAction, any Error> {
        let turn = OrchestratorWire.Turn(turnID: UUID().uuidString.lowercased(), input: .init(input), heard: heardSoFar.take())
        let (client, id) = (client, conversation.id)
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    try await client.sendTurn(turn, conversation: id) { continuation.yield($0) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    func end() async {}
}

/// What the caller heard of the last reply, handed to the next turn.
final class HeardBuffer: Sendable {
    private let parts = Mutex<[String]>([])
    func append(_ text: String) { parts.withLock { $0.append(text) } }
    /// The text heard since the last call (nil: nothing was said to the caller).
    func take() -> String? {
        parts.withLock { parts in
            defer { parts = [] }
            return parts.isEmpty ? nil : parts.filter { !$0.isEmpty }.joined(separator: " ")
        }
    }
}
