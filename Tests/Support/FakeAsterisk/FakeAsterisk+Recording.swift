import Foundation

/// Bridge recording as ARI does it: `POST /bridges/{id}/record` answers 201 with the LiveRecording and
/// sends `RecordingStarted` (404 for an unknown bridge, 409 for a name in use with `ifExists=fail`);
/// `POST /recordings/live/{name}/stop` keeps the file, `DELETE /recordings/live/{name}` discards it (204,
/// `RecordingFinished`; 404 when not live); a deleted bridge finishes its recordings.
extension FakeAsterisk {
    /// A recording: its bridge, format and `recording`, `done` or `canceled` (discarded).
    public struct FakeRecording: Sendable, Hashable {
        public var bridge: String
        public var format: String
        public var state: String
    }

    /// Recordings by name.
    public var recordings: [String: FakeRecording] { state.withLock { $0.recordings } }

    /// Holds back the answers to recording starts until `releaseRecordingStarts()` (the recording
    /// begins when it is answered), to reach the moment a start is under way.
    public func holdRecordingStarts() { state.withLock { $0.heldRecordStarts = $0.heldRecordStarts ?? [] } }

    /// Answers the held recording starts, and the next ones at once.
    public func releaseRecordingStarts() {
        let held = state.withLock { state in
            defer { state.heldRecordStarts = nil }
            return state.heldRecordStarts ?? []
        }
        for waiter in held { waiter.resume() }
    }

    func record(_ bridge: String, _ query: [String: String]) async -> FakeResponse {
        await withCheckedContinuation { waiter in
            let held = state.withLock { state in
                guard state.heldRecordStarts != nil else { return false }
                state.heldRecordStarts?.append(waiter)
                return true
            }
            if !held { waiter.resume() }
        }
        guard let name = query["name"], !name.isEmpty, let format = query["format"] else { return .message(400, "name and format are required") }
        let problem = state.withLock { state -> FakeResponse? in
            guard state.bridges[bridge] != nil else { return .message(404, "Bridge not found") }
            if state.recordings[name] != nil, query["ifExists"] ?? "fail" == "fail" { return .message(409, "Recording already exists") }
            state.recordings[name] = FakeRecording(bridge: bridge, format: format, state: "recording")
            return nil
        }
        if let problem { return problem }
        let live = Self.liveRecording(name, format: format, state: "recording", target: bridge)
        broadcast("RecordingStarted", ["recording": live])
        return .json(201, live)
    }

    func stopRecording(_ name: String, discard: Bool) -> FakeResponse {
        let stopped = state.withLock { state -> FakeRecording? in
            guard var recording = state.recordings[name], recording.state == "recording" else { return nil }
            recording.state = discard ? "canceled" : "done"
            state.recordings[name] = recording
            return recording
        }
        guard let stopped else { return .message(404, "Recording not found") }
        broadcast("RecordingFinished", ["recording": Self.liveRecording(name, format: stopped.format, state: stopped.state, target: stopped.bridge)])
        return .noContent
    }

    /// The recordings of a bridge being deleted end with it (the file stays).
    func finishRecordings(of bridge: String) {
        let names = state.withLock { state in state.recordings.filter { $0.value.bridge == bridge && $0.value.state == "recording" }.map(\.key) }
        for name in names { _ = stopRecording(name, discard: false) }
    }

    static func liveRecording(_ name: String, format: String, state: String, target: String) -> [String: Any] {
        ["name": name, "format": format, "state": state, "target_uri": "bridge:\(target)"]
    }
}
