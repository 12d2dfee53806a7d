import CMediaIO

/// An IPv4 or IPv6 address and port as a plain value: what a datagram came from or goes to. Hashing and
/// comparing it allocate nothing, so a shared socket finds a datagram's call cheaply.
struct RTPEndpoint: Hashable, Sendable, CustomStringConvertible {
    let high: UInt64
    let low: UInt64
    let port: UInt16
    /// 4 or 6.
    let family: UInt8

    init(_ raw: mediaio_endpoint) {
        high = raw.high
        low = raw.low
        port = raw.port
        family = raw.family
    }

    /// A numeric address (`UNICASTRTP_LOCAL_ADDRESS`) and port; nil if `host` is not an IP address.
    init?(host: String, port: Int) {
        var raw = mediaio_endpoint()
        guard mediaio_endpoint_parse(host, Int32(clamping: port), &raw) == 0 else { return nil }
        self.init(raw)
    }

    var raw: mediaio_endpoint { mediaio_endpoint(high: high, low: low, port: port, family: family) }

    /// The address as text (`[v6]:port` for IPv6).
    var description: String {
        var raw = self.raw
        var text = [CChar](repeating: 0, count: 64)
        guard mediaio_endpoint_format(&raw, &text, Int32(text.count)) == 0 else { return "?:\(port)" }
        let host = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return family == 6 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
