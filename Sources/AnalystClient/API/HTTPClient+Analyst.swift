import AsyncHTTPClient

extension HTTPClient {
    /// The client every `da` command uses, kept for the life of the process like `HTTPClient.shared`, but a server
    /// that refuses the connection is reported at once: the shared client retries connecting until the request's
    /// deadline (10 s to a minute of silence). Timeouts and 5xx answers are retried by the callers that can.
    public static let analyst = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .analyst(connectionsPerServer: 8))
}

extension HTTPClient.Configuration {
    /// `da`'s settings: connect within 10 s, no retried connection attempts, up to `connectionsPerServer` connections.
    public static func analyst(connectionsPerServer: Int) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = connectionsPerServer
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(10)
        return configuration
    }
}
