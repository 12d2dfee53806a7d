import Foundation

/// A control event chan_websocket sends as a TEXT frame, in its plain-text form
/// (`MEDIA_START connection_id:abc channel:X format:slin16 optimal_frame_size:640 ptime:20`) or its JSON
/// form (`{"event":"DTMF_END","digit":"5"}`, chosen in chan_websocket.conf).
public enum MediaWebSocketEvent: Sendable, Hashable {
    /// The media connection is up: its format and frame size.
    case mediaStart(format: String, optimalFrameSize: Int, ptime: Int, fields: [String: String])
    /// The caller released a key.
    case dtmfEnd(digit: String)
    /// Asterisk's queue is full / has room again.
    case mediaXOff, mediaXOn
    /// A reply or notice the daemon does not act on (QUEUE_DRAINED, STATUS, MEDIA_MARK_PROCESSED...).
    case other(String)

    /// Why a text frame is not an event. Stable strings: they are metric labels.
    public enum ParseError: String, Error, Sendable, Hashable {
        case empty = "empty_text"
        case malformed = "malformed_text"
    }

    /// Parses one TEXT frame.
    public init(parsing text: String) throws(ParseError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.utf8.count <= 65_536 else { throw .empty }
        let name: String
        var fields: [String: String] = [:]
        if trimmed.hasPrefix("{") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [String: Any],
                let event = object["event"] as? String ?? object["command"] as? String
            else { throw .malformed }
            name = event
            for (key, value) in object where key != "event" {
                if let string = value as? String { fields[key] = string } else if let number = value as? NSNumber { fields[key] = number.stringValue }
            }
        } else {
            let words = trimmed.split(separator: " ", omittingEmptySubsequences: true)
            name = String(words[0])
            for word in words.dropFirst() {
                guard let colon = word.firstIndex(of: ":") else { continue }
                fields[String(word[..<colon])] = String(word[word.index(after: colon)...])
            }
        }
        switch name {
        case "MEDIA_START":
            guard let format = fields["format"] else { throw .malformed }
            self = .mediaStart(
                format: format, optimalFrameSize: Int(fields["optimal_frame_size"] ?? "") ?? 0, ptime: Int(fields["ptime"] ?? "") ?? 20,
                fields: fields)
        case "DTMF_END":
            guard let digit = fields["digit"], digit.count == 1, "0123456789*#ABCD".contains(digit) else { throw .malformed }
            self = .dtmfEnd(digit: digit)
        case "MEDIA_XOFF": self = .mediaXOff
        case "MEDIA_XON": self = .mediaXOn
        default: self = .other(name)
        }
    }
}

/// Commands the daemon sends to chan_websocket as TEXT frames (plain-text form).
public enum MediaWebSocketCommand: String, Sendable {
    /// Drops the audio Asterisk has queued for the caller (barge-in).
    case flushMedia = "FLUSH_MEDIA"
    /// Hangs the channel up.
    case hangup = "HANGUP"
    /// Asks for QUEUE_DRAINED once queued audio has been played.
    case reportQueueDrained = "REPORT_QUEUE_DRAINED"
}
