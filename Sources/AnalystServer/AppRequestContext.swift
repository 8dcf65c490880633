import Hummingbird

/// Per-request data shared by middleware and controllers (identity arrives with the auth issue).
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }
}
