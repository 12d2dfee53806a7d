import Hummingbird
import NIOCore

/// The request context of the management API: the request's id (from `X-Request-ID` or generated), the
/// peer's address and, on `/v1`, who is calling.
public struct APIRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer (nil when the transport does not say).
    public let remoteAddress: SocketAddress?
    /// Echoed in `X-Request-ID` and in every error body; logged with the request.
    public var requestID = ""
    /// The verified caller (set by the authentication middleware on `/v1`).
    public var principal: APIPrincipal?

    public init(source: Source) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
