import Foundation

/// The daemon's JSONL event file (`events.file`), read as it is now.
struct EventsFile: Sendable {
    let path: String

    /// The raw lines written so far.
    func lines() -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// The events written so far, one decoded JSON object per line; only `callID`'s when given.
    func events(of callID: String? = nil) -> [[String: Any]] {
        let all = lines().compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
        guard let callID else { return all }
        return all.filter { $0["call_id"] as? String == callID }
    }
}
