import AsyncHTTPClient
import NIOCore
import NIOPosix

extension HTTPClient {
    /// The HTTP client every vendor adapter uses by default: `HTTPClient.shared`'s settings, except a pool
    /// of up to 512 HTTP/1.1 connections per host instead of 8. A gateway talks to a handful of vendor
    /// hosts for hundreds of calls, and each call keeps several requests open at once (a sentence
    /// synthesized while the one before it plays); with 8, `make bench-turn` saw 1% of replies wait
    /// 400 ms for a connection at 10 calls.
    public static let vendors: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.connectionPool = .init(idleTimeout: .seconds(600), concurrentHTTP1ConnectionsPerHostSoftLimit: 512)
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()
}
