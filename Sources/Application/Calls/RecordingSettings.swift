import Domain

/// Call recording with consent (`calls.recording.*`): off unless the daemon or the tenant turns it on.
public struct RecordingSettings: Sendable, Hashable {
    /// Record calls whose tenant does not say (`recording` in the tenant table).
    public var enabled = false
    /// The file format Asterisk writes (`wav`, `gsm`, `sln16`...).
    public var format = "wav"
    /// Said before the agent's greeting on a recorded call ("" says nothing).
    public var announcement = "This call is recorded. Press star at any time to stop the recording."
    /// The key a caller presses to stop the recording (and delete what was recorded); "" for none.
    /// While the call is recorded the key is the daemon's: the agent does not get it.
    public var optOutKey = "*"

    public init() {}
}

/// The recording of one call: its name while it runs, and whether the caller or an operator opted out.
struct CallRecording: Sendable, Hashable {
    /// `voicegw-CALL_ID`; the file is NAME.FORMAT in Asterisk's recording directory.
    var name: String
    var format: String
    var optedOut = false
    /// Asterisk answered the start request (until then an opt-out is carried out by the starter).
    var started = false

    /// The file name reported in `call.ended`.
    var fileName: String { "\(name).\(format)" }
}
