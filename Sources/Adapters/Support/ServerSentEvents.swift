/// One server-sent event (the `text/event-stream` format of the HTML standard).
public struct ServerSentEvent: Sendable, Hashable {
    /// The `event:` field; nil for the default ("message").
    public var event: String?
    /// The `data:` lines joined with newlines.
    public var data: String
    public var id: String?

    public init(event: String? = nil, data: String, id: String? = nil) {
        self.event = event
        self.data = data
        self.id = id
    }
}

/// An incremental `text/event-stream` parser: feed it the body as it arrives, in pieces cut anywhere (even
/// inside a UTF-8 character or between `\r` and `\n`), and it returns each event once its blank line came.
/// Comments (`:` lines) and unknown fields are skipped; a line longer than `maxLineBytes` is an error, so a
/// broken peer cannot grow the buffer without bound.
public struct ServerSentEventParser: Sendable {
    public struct LineTooLong: Error, CustomStringConvertible {
        public let limit: Int
        public var description: String { "an event-stream line exceeded \(limit) bytes" }
    }

    private var line: [UInt8] = []
    private var lastWasCR = false
    private var data: [String] = []
    private var event: String?
    private var id: String?
    private let maxLineBytes: Int

    public init(maxLineBytes: Int = 1 << 20) { self.maxLineBytes = maxLineBytes }

    /// Parses `bytes`; returns the events they completed.
    public mutating func feed<Bytes: Sequence>(_ bytes: Bytes) throws(LineTooLong) -> [ServerSentEvent] where Bytes.Element == UInt8 {
        var events: [ServerSentEvent] = []
        for byte in bytes {
            if byte == UInt8(ascii: "\n") && lastWasCR {
                lastWasCR = false
                continue
            }
            lastWasCR = byte == UInt8(ascii: "\r")
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                if let event = endLine() { events.append(event) }
                continue
            }
            guard line.count < maxLineBytes else { throw LineTooLong(limit: maxLineBytes) }
            line.append(byte)
        }
        return events
    }

    /// The event left when the stream ends without its blank line (some servers end that way), if any.
    public mutating func finish() -> ServerSentEvent? {
        if !line.isEmpty { _ = endLine() }
        return dispatch()
    }

    private mutating func endLine() -> ServerSentEvent? {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty { return dispatch() }
        if line.first == UInt8(ascii: ":") { return nil }
        let text = String(decoding: line, as: UTF8.self)
        let field: Substring
        var value: Substring
        if let colon = text.firstIndex(of: ":") {
            field = text[..<colon]
            value = text[text.index(after: colon)...]
            if value.first == " " { value = value.dropFirst() }
        } else {
            field = text[...]
            value = ""
        }
        switch field {
        case "data": data.append(String(value))
        case "event": event = String(value)
        case "id": id = String(value)
        default: break
        }
        return nil
    }

    private mutating func dispatch() -> ServerSentEvent? {
        defer { data = []; event = nil }
        guard !data.isEmpty else { return nil }
        return ServerSentEvent(event: event, data: data.joined(separator: "\n"), id: id)
    }
}
