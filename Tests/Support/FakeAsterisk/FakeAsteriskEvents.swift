import Foundation

/// ARI event JSON shaped like the captures of a real Asterisk 22.10.1 (Tests/Fixtures).
enum FakeAsteriskEvents {
    static let asteriskID = "02:fc:00:00:00:01"

    static func timestamp(_ date: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss.SSS'+0000'"
        return formatter.string(from: date)
    }

    static func channel(_ c: FakeChannel) -> [String: Any] {
        [
            "id": c.id, "name": c.name, "state": c.state, "protocol_id": "",
            "caller": ["name": "", "number": c.callerNumber], "connected": ["name": "", "number": ""], "accountcode": "",
            "dialplan": ["context": c.context, "exten": c.exten, "priority": c.isMedia ? 1 : 2, "app_name": appName(c), "app_data": c.inStasis || c.originated ? c.appData : ""],
            "creationtime": timestamp(c.created), "language": "en",
        ]
    }

    /// The dialplan application a channel runs (22.10.1): `Stasis` in an application, `AppDial2` for an
    /// originated channel still dialling.
    static func appName(_ c: FakeChannel) -> String {
        c.inStasis ? "Stasis" : c.originated ? "AppDial2" : ""
    }

    static func bridge(_ id: String, channels: [String], created: Date = Date()) -> [String: Any] {
        [
            "id": id, "technology": "simple_bridge", "bridge_type": "mixing", "bridge_class": "stasis", "creator": "Stasis",
            "name": "voicegw", "channels": channels, "creationtime": timestamp(created), "video_mode": "talker",
        ]
    }

    static func event(_ type: String, app: String, _ fields: [String: Any]) -> String {
        var object = fields
        object["type"] = type
        object["timestamp"] = timestamp()
        object["asterisk_id"] = asteriskID
        object["application"] = app
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
