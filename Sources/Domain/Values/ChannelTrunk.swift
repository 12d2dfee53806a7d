/// The SIP endpoint (trunk) a call came in on, read from its Asterisk channel name.
///
/// chan_pjsip names a channel `PJSIP/<endpoint>-<8 hex digits>` (`PJSIP/acme-trunk-0000002a`: endpoint
/// `acme-trunk`; the endpoint may itself contain dashes, only the last 8-hex-digit part is the counter),
/// and chan_sip `SIP/<peer>-<8 hex digits>`. Other channels (`Local/100@inbound-00000000;2`,
/// `WebSocket/...`, `AudioSocket/...`) carry no trunk.
public enum ChannelTrunk {
    /// The endpoint of a `PJSIP/` or `SIP/` channel name; nil for any other name.
    public static func endpoint(ofChannelNamed name: String) -> String? {
        let rest: Substring
        if name.hasPrefix("PJSIP/") {
            rest = name.dropFirst("PJSIP/".count)
        } else if name.hasPrefix("SIP/") {
            rest = name.dropFirst("SIP/".count)
        } else {
            return nil
        }
        guard let dash = rest.lastIndex(of: "-") else { return nil }
        let counter = rest[rest.index(after: dash)...]
        guard counter.count == 8, counter.allSatisfy({ $0.isASCII && $0.isHexDigit }) else { return nil }
        let endpoint = rest[..<dash]
        return endpoint.isEmpty ? nil : String(endpoint)
    }
}

extension IncomingChannel {
    /// The SIP endpoint the call came in on (`PJSIP/acme-trunk-0000002a` -> `acme-trunk`); nil when the
    /// channel is not a SIP one.
    public var trunk: String? { ChannelTrunk.endpoint(ofChannelNamed: name) }
}
