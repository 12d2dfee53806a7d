/// An ARI channel as Asterisk 22 sends it (events and REST responses).
public struct ARIChannel: Codable, Sendable, Hashable {
    public struct Party: Codable, Sendable, Hashable {
        public var name: String
        public var number: String
    }

    public struct Dialplan: Codable, Sendable, Hashable {
        public var context: String
        public var exten: String
        public var priority: Int
        public var app_name: String?
        public var app_data: String?
    }

    public var id: String
    public var name: String
    public var state: String
    public var caller: Party?
    public var connected: Party?
    public var dialplan: Dialplan?
    public var creationtime: String?
    public var language: String?
    /// Only in REST responses that asked for variables (externalMedia).
    public var channelvars: [String: String]?

    public init(id: String, name: String, state: String, caller: Party? = nil, dialplan: Dialplan? = nil, channelvars: [String: String]? = nil) {
        self.id = id
        self.name = name
        self.state = state
        self.caller = caller
        self.connected = Party(name: "", number: "")
        self.dialplan = dialplan
        self.creationtime = nil
        self.language = "en"
        self.channelvars = channelvars
    }
}

/// An ARI bridge.
public struct ARIBridge: Codable, Sendable, Hashable {
    public var id: String
    public var technology: String?
    public var bridge_type: String?
    public var channels: [String]
    public var creationtime: String?
}

/// An ARI application (`GET /applications/{name}`): what it is subscribed to.
public struct ARIApplication: Codable, Sendable, Hashable {
    public var name: String
    public var channel_ids: [String]
    public var bridge_ids: [String]
}

/// An ARI playback.
public struct ARIPlayback: Codable, Sendable, Hashable {
    public var id: String
    public var media_uri: String?
    public var target_uri: String?
    public var state: String?
}

/// An ARI recording.
public struct ARIRecording: Codable, Sendable, Hashable {
    public var name: String
    public var format: String?
    public var state: String?
    public var target_uri: String?
}
