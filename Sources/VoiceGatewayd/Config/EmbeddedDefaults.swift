/// The configuration compiled into the binary: `Resources/voicegatewayd.yaml` (also
/// `etc/voicegatewayd.yaml`), embedded at build time by SwiftPM. It is the one declaration of every key
/// and its default: the readers take their defaults from it, and a test checks the README's table of
/// keys against it.
enum EmbeddedDefaults {
    static let configuration = String(decoding: PackageResources.voicegatewayd_yaml, as: UTF8.self)
}
